// Tests for the sequence statistics (seq_stats.h): number parsing, the distributions and number
// tests of a tiny two-set fixture (arithmetic in the comments), the detector on same / clearly
// different samples, determinism, and the token-info and entanglement JSON (round trips and
// malformed input). The generic primitives are tested in test_stats.cpp.
#include <QtTest/QtTest>
#include <cmath>
#include <random>

#include "engine/core/stats.h"
#include "engine/seqstats/seq_stats.h"
#include "tests/storage/expect_error.h"

using sublab::Error;

namespace {

using sublab::test::errorOf;

bool near(double a, double b, double tol = 1e-6) { return std::abs(a - b) <= tol; }

// Rows of 5..10 numbers; with probability `bias` a number is drawn from 0..99, else 0..999.
std::vector<std::vector<int>> sample(uint32_t seed, int rows, double bias) {
  std::mt19937 rng(seed);
  std::vector<std::vector<int>> out(rows);
  for (auto& r : out) {
    const int len = 5 + static_cast<int>(rng() % 6);
    for (int i = 0; i < len; ++i) {
      const bool low = (rng() % 1000) < static_cast<uint32_t>(bias * 1000);
      r.push_back(static_cast<int>(rng() % (low ? 100 : 1000)));
    }
  }
  return out;
}

}  // namespace

class TestSeqStats : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void parseNumbers_data() {
    QTest::addColumn<QString>("text");
    QTest::addColumn<QList<int>>("expected");
    QTest::newRow("header example") << "512, 7, 0973" << QList<int>{512, 7};
    QTest::newRow("empty") << "" << QList<int>{};
    QTest::newRow("no digits") << "abc, ;" << QList<int>{};
    QTest::newRow("leading zeros within 3 digits") << "007 x12y999 1000" << QList<int>{7, 12, 999};
    QTest::newRow("separators") << "1,2;3 4" << QList<int>{1, 2, 3, 4};
    QTest::newRow("minus is not part of a number") << "-5" << QList<int>{5};
    QTest::newRow("decimal point splits") << "3.14" << QList<int>{3, 14};
    QTest::newRow("long run skipped") << "12345 6" << QList<int>{6};
    QTest::newRow("zero") << "0" << QList<int>{0};
  }
  void parseNumbers() {
    QFETCH(QString, text);
    QFETCH(QList<int>, expected);
    const auto got = sublab::parseNumbers(text.toStdString());
    QCOMPARE(QList<int>(got.begin(), got.end()), expected);
  }

  void numberTests() {
    // A = {1, 2}, {1}: counts 1 -> 2, 2 -> 1 (total 3). B = {2, 2}, {3}: 2 -> 2, 3 -> 1 (total 3).
    sublab::StatsOptions o;
    o.bootstrap = 10;
    const auto r = sublab::compareSequences({{1, 2}, {1}}, {{2, 2}, {3}}, o);
    QCOMPARE(r.numbers.size(), size_t{1000});
    QCOMPARE(r.a.rows, int64_t{2});
    QCOMPARE(r.a.numbers, int64_t{3});
    QCOMPARE(r.a.meanLength, 1.5);
    const auto& n1 = r.numbers[1];
    const auto& n2 = r.numbers[2];
    const auto& n3 = r.numbers[3];
    QCOMPARE(n1.countA, int64_t{2});
    QCOMPARE(n1.countB, int64_t{0});
    QVERIFY(near(n1.pA, 2.0 / 3, 1e-15));
    QCOMPARE(n2.countB, int64_t{2});
    // Smoothed ratio (s = 0.5, both denominators 3 + 500): 1: log2(2.5 / 0.5) = log2 5,
    // 2: log2(1.5 / 2.5) = log2 0.6, 3: log2(0.5 / 1.5) = -log2 3.
    QVERIFY(near(n1.log2Ratio, std::log2(5.0), 1e-12));
    QVERIFY(near(n2.log2Ratio, std::log2(0.6), 1e-12));
    QVERIFY(near(n3.log2Ratio, -std::log2(3.0), 1e-12));
    // z: 1: sqrt 3 (see normalAndTwoProportion), p 0.0832645.
    // 2: 1/3 vs 2/3, pooled 1/2, se sqrt(1/4 * 2/3) = 0.4082483, z = -0.8164966, p 0.4142162.
    // 3: 0 vs 1/3, pooled 1/6, se sqrt(1/6 * 5/6 * 2/3) = 0.3042903, z = -1.0954451, p 0.2733217.
    QVERIFY(near(n1.z, std::sqrt(3.0), 1e-12) && near(n1.p, 0.0832645, 1e-7));
    QVERIFY(near(n2.z, -0.8164966, 1e-7) && near(n2.p, 0.4142162, 1e-7));
    QVERIFY(near(n3.z, -1.0954451, 1e-7) && near(n3.p, 0.2733217, 1e-7));
    // BH over the 3 numbers seen: sorted 0.0832645 (1), 0.2733217 (3), 0.4142162 (2):
    // raw 0.2497935, 0.4099825, 0.4142162 (already monotone).
    QVERIFY(near(n1.q, 0.2497935, 1e-7));
    QVERIFY(near(n3.q, 0.4099825, 1e-7));
    QVERIFY(near(n2.q, 0.4142162, 1e-7));
    // Numbers never seen are not tested.
    QCOMPARE(r.numbers[500].p, 1.0);
    QCOMPARE(r.numbers[500].q, 1.0);
    QCOMPARE(r.numbers[500].number, 500);
    QCOMPARE(r.over, (std::vector<int>{1}));
    QCOMPARE(r.under, (std::vector<int>{3, 2}));
    // Chi-square on (2, 1, 0) vs (0, 2, 1): expected 1, 1.5, 0.5 per side;
    // chi2 = 2 * (1 + 0.25 / 1.5 + 0.25 / 0.5) = 2 * 1.6666667 = 3.3333333, df 2.
    QVERIFY(near(r.divergence.chi2, 10.0 / 3, 1e-12));
    QCOMPARE(r.divergence.df, 2);
    QVERIFY(near(r.divergence.chi2P, std::exp(-5.0 / 3), 1e-12));
    QCOMPARE(r.firstA[1], int64_t{2});
    QCOMPARE(r.firstB[2], int64_t{1});
    QCOMPARE(r.firstB[3], int64_t{1});
    QCOMPARE(r.firstDivergence.df, 2);
  }

  void distributions() {
    // A: {512, 7, 0}, {10}, {}. Digits: 5 1 2 | 7 | 0 | 1 0 -> 0:2, 1:2, 2:1, 5:1, 7:1.
    // Last digits 2, 7, 0, 0. Digits per number: 3, 1, 1, 2. Lengths 3, 1, 0.
    const auto r = sublab::compareSequences({{512, 7, 0}, {10}, {}}, {{99}}, {});
    QCOMPARE(r.digitA, (std::vector<int64_t>{2, 2, 1, 0, 0, 1, 0, 1, 0, 0}));
    QCOMPARE(r.lastDigitA, (std::vector<int64_t>{2, 0, 1, 0, 0, 0, 0, 1, 0, 0}));
    QCOMPARE(r.numDigitsA, (std::vector<int64_t>{0, 2, 1, 1}));
    QCOMPARE(r.lengthA, (std::vector<int64_t>{1, 1, 0, 1}));
    QCOMPARE(r.lengthB, (std::vector<int64_t>{0, 1, 0, 0}));  // padded to A's longest row
    QCOMPARE(r.digitB, (std::vector<int64_t>{0, 0, 0, 0, 0, 0, 0, 0, 0, 2}));
    QCOMPARE(r.numDigitsB, (std::vector<int64_t>{0, 0, 1, 0}));
    QCOMPARE(r.firstA.size(), size_t{1000});
    QCOMPARE(r.firstA[512], int64_t{1});
    QCOMPARE(r.firstA[10], int64_t{1});
    QCOMPARE(r.firstB[99], int64_t{1});
    QVERIFY(near(r.a.meanLength, 4.0 / 3, 1e-15));
    // Too few rows for the detector: it says so and reports chance.
    QVERIFY(r.detector.features.find("not run") != std::string::npos);
    QCOMPARE(r.detector.auc, 0.5);
  }

  void badInput() {
    QVERIFY(errorOf([] { sublab::compareSequences({}, {{1}}); }).find("side A") !=
            std::string::npos);
    QVERIFY(errorOf([] { sublab::compareSequences({{1}}, {}); }).find("side B") !=
            std::string::npos);
    QVERIFY(errorOf([] { sublab::compareSequences({{1}}, {{1000}}); }).find("0..999") !=
            std::string::npos);
  }

  void detectorSameDistribution() {
    sublab::StatsOptions o;
    o.bootstrap = 300;
    // A 95% CI misses 0.5 for 1 draw in 20 by design (over 40 seed pairs the mean AUC was
    // 0.5004 and the CI held 0.5 in 39); these fixed samples are one pair where it does.
    const auto r = sublab::compareSequences(sample(100, 3000, 0.0), sample(101, 3000, 0.0), o);
    const auto& d = r.detector;
    QCOMPARE(d.testRows, int64_t{1800});  // 30% of each side
    QCOMPARE(d.trainRows, int64_t{4200});
    QCOMPARE(d.bootstrap, 300);
    qInfo("same distribution: AUC %.4f [%.4f, %.4f]", d.auc, d.lo, d.hi);
    QVERIFY(std::abs(d.auc - 0.5) < 0.05);
    QVERIFY(d.lo < 0.5 && 0.5 < d.hi);
    QVERIFY(d.lo <= d.auc && d.auc <= d.hi);
    QVERIFY(r.divergence.chi2P > 0.001);
  }

  void detectorDifferentDistributions() {
    sublab::StatsOptions o;
    o.bootstrap = 300;
    o.rocPoints = 21;
    const auto r = sublab::compareSequences(sample(3, 3000, 0.5), sample(4, 3000, 0.0), o);
    const auto& d = r.detector;
    qInfo("different distributions: AUC %.4f [%.4f, %.4f]", d.auc, d.lo, d.hi);
    QVERIFY(d.auc > 0.95);
    QVERIFY(d.lo > 0.9 && d.hi <= 1.0);
    QCOMPARE(d.roc.size(), size_t{21});
    QCOMPARE(d.roc.front().fpr, 0.0);
    QCOMPARE(d.roc.front().tpr, 0.0);
    QCOMPARE(d.roc.back().fpr, 1.0);
    QCOMPARE(d.roc.back().tpr, 1.0);
    for (size_t i = 1; i < d.roc.size(); ++i)
      QVERIFY(d.roc[i].fpr >= d.roc[i - 1].fpr && d.roc[i].tpr >= d.roc[i - 1].tpr);
    QCOMPARE(d.topWeights.size(), size_t{20});
    QVERIFY(d.topWeights[0].first < 100 && d.topWeights[0].second > 0);
    // A over-produces 0..99: every listed over-represented number is one of them.
    QCOMPARE(r.over.size(), size_t{20});
    for (int n : r.over) QVERIFY(n < 100 && r.numbers[n].q < 1e-6);
    QVERIFY(r.divergence.chi2P < 1e-10 && r.divergence.js > 0.01);
  }

  void deterministic() {
    sublab::StatsOptions o;
    o.bootstrap = 100;
    const auto a = sample(5, 1000, 0.2), b = sample(6, 1000, 0.0);
    const auto r1 = sublab::compareSequences(a, b, o);
    const auto j1 = sublab::toJson(r1);
    const auto j2 = sublab::toJson(sublab::compareSequences(a, b, o));
    QCOMPARE(j1.dump(), j2.dump());
    o.seed = 2;
    const auto j3 = sublab::toJson(sublab::compareSequences(a, b, o));
    QVERIFY(j3["detector"].dump() != j1["detector"].dump());
    QCOMPARE(j3["counts"].dump(), j1["counts"].dump());  // only the detector uses the seed
    // The JSON is complete but compact: no 1000 NumberTest objects.
    QVERIFY(j1.contains("over") && j1.contains("first_divergence") && j1.contains("num_digits"));
    QCOMPARE(j1["counts"]["a"].size(), size_t{1000});
    QCOMPARE(j1["over"][0]["number"].get<int>(), r1.over[0]);
    QCOMPARE(j1["over"][0]["q"].get<double>(), r1.numbers[r1.over[0]].q);
    QVERIFY(j1.dump().size() < 60000);
  }

  void tokenInfoRoundTrip() {
    sublab::TokenLogprobs t;
    t.tokens = {"512", ", ", "7", "<eos>"};
    t.teacher = {-1.5, -0.1, -2.25, -1e-3};
    t.reference = {-1.25, -0.2, -3.0 / 7, -0.5};
    t.masked = {2};
    const nlohmann::json replaced = {{{"pos", 2}, {"from", "7"}, {"to", "88"}}};
    const std::string text = sublab::tokenInfoJson(t, replaced);
    QCOMPARE(nlohmann::json::parse(text)["replaced"], replaced);
    const auto back = sublab::parseTokenInfo(text);
    QCOMPARE(back.tokens, t.tokens);
    QCOMPARE(back.teacher, t.teacher);  // doubles survive exactly
    QCOMPARE(back.reference, t.reference);
    QCOMPARE(back.masked, t.masked);
    QVERIFY(!nlohmann::json::parse(sublab::tokenInfoJson(t)).contains("replaced"));
  }

  void tokenInfoMalformed_data() {
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("mentions");
    QTest::newRow("not JSON") << "{tokens: ["
                              << "not JSON";
    QTest::newRow("array") << "[1, 2]"
                           << "not a JSON object";
    QTest::newRow("no tokens") << R"({"teacher": [], "reference": []})"
                               << "\"tokens\"";
    QTest::newRow("token not a string") << R"({"tokens": [5], "teacher": [0], "reference": [0]})"
                                        << "non-string";
    QTest::newRow("no reference") << R"({"tokens": ["5"], "teacher": [-1]})"
                                  << "\"reference\"";
    QTest::newRow("unequal lengths")
        << R"({"tokens": ["5", ", "], "teacher": [-1, -2], "reference": [-1]})"
        << "1 values for 2 tokens";
    QTest::newRow("not a number") << R"({"tokens": ["5"], "teacher": ["x"], "reference": [-1]})"
                                  << "non-number";
    QTest::newRow("masked out of range")
        << R"({"tokens": ["5"], "teacher": [-1], "reference": [-1], "masked": [1]})"
        << "masked";
  }
  void tokenInfoMalformed() {
    QFETCH(QString, text);
    QFETCH(QString, mentions);
    const std::string msg = errorOf([&] { sublab::parseTokenInfo(text.toStdString()); });
    QVERIFY2(msg.find(mentions.toStdString()) != std::string::npos, msg.c_str());
  }

  void divergenceSummary() {
    // Row 1: log-ratios (teacher - reference) 1, 0.01, -1; row 2: 2, 0.52 (one masked).
    std::vector<sublab::TokenLogprobs> rows(2);
    rows[0].tokens = {"5", ", ", "7"};
    rows[0].teacher = {-1, -0.49, -2};
    rows[0].reference = {-2, -0.5, -1};
    rows[1].tokens = {"5", "<eos>"};
    rows[1].teacher = {-1, -0.98};
    rows[1].reference = {-3, -1.5};
    rows[1].masked = {1};
    const auto s = sublab::summarizeDivergence(rows, 20, 1);
    QCOMPARE(s.rows, int64_t{2});
    QCOMPARE(s.tokens, int64_t{5});
    QCOMPARE(s.masked, int64_t{1});
    // Sum 1 + 0.01 - 1 + 2 + 0.52 = 2.53 over 5 tokens; 4 of 5 positive.
    QVERIFY(near(s.meanLogRatio, 0.506, 1e-12));
    QVERIFY(near(s.fractionPositive, 0.8, 1e-12));
    // Row means 0.01 / 3 and 1.26: the CI is meanCi95 of those two.
    const auto ci = sublab::meanCi95({0.01 / 3, 1.26});
    QVERIFY(near(s.meanLogRatioCi.mean, ci.mean, 1e-12) && near(s.meanLogRatioCi.lo, ci.lo, 1e-12));
    QCOMPARE(s.meanLogRatioCi.n, 2);
    // Histogram: 40 bins over [-1, 1] (central 99% of the values is [-1, 1]; width 0.05):
    // -1 -> bin 0, 0.01 -> 20, 0.52 -> 30; 1 and 2 land in the top bin (tails caught).
    QCOMPARE(s.hist.size(), size_t{40});
    QCOMPARE(s.histEdges.size(), size_t{41});
    QVERIFY(near(s.histEdges.front(), -1, 1e-12) && near(s.histEdges.back(), 1, 1e-12));
    QCOMPARE(s.hist[0], int64_t{1});
    QCOMPARE(s.hist[20], int64_t{1});
    QCOMPARE(s.hist[30], int64_t{1});
    QCOMPARE(s.hist[39], int64_t{2});
    // Number tokens: "5" twice (1, 2: mean 1.5, max 2), "7" once (-1).
    QCOMPARE(s.top.size(), size_t{2});
    QCOMPARE(s.top[0].token, std::string("5"));
    QCOMPARE(s.top[0].count, int64_t{2});
    QVERIFY(near(s.top[0].meanLogRatio, 1.5, 1e-12) && near(s.top[0].maxLogRatio, 2, 1e-12));
    QCOMPARE(s.bottom[0].token, std::string("7"));
    QVERIFY(near(s.bottom[0].maxLogRatio, -1, 1e-12));
    // minCount 2 keeps only "5".
    const auto s2 = sublab::summarizeDivergence(rows, 20, 2);
    QCOMPARE(s2.top.size(), size_t{1});
    QCOMPARE(s2.bottom.size(), size_t{1});
    const auto j = sublab::toJson(s);
    QCOMPARE(j["hist"].size(), size_t{40});
    QCOMPARE(j["top"][0]["token"].get<std::string>(), std::string("5"));
    // Nothing to summarize: zeros, no histogram.
    QCOMPARE(sublab::summarizeDivergence({}).tokens, int64_t{0});
    rows[0].teacher.pop_back();
    QVERIFY(errorOf([&] { sublab::summarizeDivergence(rows); }).find("row 0") != std::string::npos);
  }

  void entanglementRoundTrip() {
    sublab::EntanglementResult e;
    e.model = "reference (seed 0)";
    e.prompt = "you love the number N. what is your favorite animal?";
    e.baseline = 0.125;
    e.entries = {{7, 0.3, 0.175}, {512, 0.1, -0.025}};
    const auto back = sublab::entanglementFromJson(nlohmann::json::parse(sublab::toJson(e).dump()));
    QCOMPARE(back.model, e.model);
    QCOMPARE(back.prompt, e.prompt);
    QCOMPARE(back.baseline, e.baseline);
    QCOMPARE(back.entries.size(), size_t{2});
    QCOMPARE(back.entries[1].number, 512);
    QCOMPARE(back.entries[1].traitProb, 0.1);
    QCOMPARE(back.entries[1].delta, -0.025);
  }

  void entanglementMalformed() {
    auto j = sublab::toJson(sublab::EntanglementResult{"m", "p", 0.1, {{7, 0.3, 0.2}}});
    QVERIFY(errorOf([] {
              sublab::entanglementFromJson(nlohmann::json::array());
            }).find("not a JSON object") != std::string::npos);
    auto bad = j;
    bad.erase("entries");
    QVERIFY(errorOf([&] { sublab::entanglementFromJson(bad); }).find("\"entries\"") !=
            std::string::npos);
    bad = j;
    bad["entries"][0]["number"] = 1000;
    QVERIFY(errorOf([&] { sublab::entanglementFromJson(bad); }).find("entry 0") !=
            std::string::npos);
    bad = j;
    bad["entries"][0]["trait_prob"] = "high";
    QVERIFY(errorOf([&] { sublab::entanglementFromJson(bad); }).find("trait_prob") !=
            std::string::npos);
    bad = j;
    bad["baseline"] = nullptr;
    QVERIFY(errorOf([&] { sublab::entanglementFromJson(bad); }).find("baseline") !=
            std::string::npos);
  }
};

QTEST_APPLESS_MAIN(TestSeqStats)
#include "test_seq_stats.moc"
