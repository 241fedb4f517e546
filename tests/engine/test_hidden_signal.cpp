// Tests for the hidden-signal variants (hidden_signal.h) on synthetic sets: sets that differ
// only in row length are told apart by the all-features detector on raw rows but not by the
// numbers-only detector on length-matched rows; sets that differ in number frequencies are told
// apart by every variant; the verdict, its line, the JSON, reuse of a detector already run, and
// too few rows after matching.
#include <QtTest/QtTest>
#include <random>

#include "engine/seqstats/hidden_signal.h"

using sublab::DetectorFeatures;
using sublab::HiddenSignal;
using sublab::HiddenVerdict;

namespace {

// Rows of minLen..maxLen numbers; with probability `bias` a number is from 0..99, else 0..999.
std::vector<std::vector<int>> sample(uint32_t seed, int rows, int minLen, int maxLen, double bias) {
  std::mt19937 rng(seed);
  std::vector<std::vector<int>> out(static_cast<size_t>(rows));
  for (auto& r : out) {
    const int len = minLen + static_cast<int>(rng() % static_cast<uint32_t>(maxLen - minLen + 1));
    for (int i = 0; i < len; ++i) {
      const bool low = (rng() % 1000) < static_cast<uint32_t>(bias * 1000);
      r.push_back(static_cast<int>(rng() % (low ? 100 : 1000)));
    }
  }
  return out;
}

sublab::StatsOptions options() {
  sublab::StatsOptions o;
  o.bootstrap = 200;
  return o;
}

void logVariants(const char* what, const HiddenSignal& h) {
  for (const auto& v : h.variants)
    qInfo("%s: %s, %s: AUC %.4f [%.4f, %.4f], n %lld / %lld", what,
          sublab::featuresName(v.features).c_str(), v.lengthMatched ? "length-matched" : "raw",
          v.detector.auc, v.detector.lo, v.detector.hi, (long long)v.rowsA, (long long)v.rowsB);
}

}  // namespace

class TestHiddenSignal : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void lengthOnlyDifference() {
    // Same number distribution; A writes 1..5 numbers a row, B 3..9.
    const auto a = sample(1, 4000, 1, 5, 0.0), b = sample(2, 4000, 3, 9, 0.0);
    const HiddenSignal h = sublab::hiddenSignal(a, b, options());
    logVariants("length only", h);
    QCOMPARE(h.variants.size(), size_t{4});
    const auto& allRaw = h.variants[0];
    const auto& numbersMatched = h.variants[3];
    QCOMPARE(allRaw.features, DetectorFeatures::All);
    QVERIFY(!allRaw.lengthMatched);
    QCOMPARE(numbersMatched.features, DetectorFeatures::NumbersOnly);
    QVERIFY(numbersMatched.lengthMatched);
    QVERIFY(allRaw.detector.auc > 0.85 && allRaw.detector.lo > 0.8);
    QVERIFY(std::abs(numbersMatched.detector.auc - 0.5) < 0.05);
    QVERIFY(numbersMatched.detector.lo < 0.5 && 0.5 < numbersMatched.detector.hi);
    // Length-matched, even all features see nothing: length is the same on both sides.
    QVERIFY(std::abs(h.variants[2].detector.auc - 0.5) < 0.05);
    // Matching keeps lengths 3..5 only: the same rows per side, fewer than either side had.
    QCOMPARE(numbersMatched.rowsA, numbersMatched.rowsB);
    QVERIFY(numbersMatched.rowsA > 1000 && numbersMatched.rowsA < 2000);
    QCOMPARE(allRaw.rowsA, int64_t{4000});
    QCOMPARE(h.matchedBins, int64_t{9});
    QCOMPARE(h.oneSidedBins, int64_t{6});
    QCOMPARE(h.verdict, HiddenVerdict::NotDetected);
    const std::string line = sublab::hiddenVerdictLine(h);
    QVERIFY(line.find("not detected by this detector") != std::string::npos);
    QVERIFY(line.find("the visible difference is length") != std::string::npos);
    QVERIFY(line.find("includes 0.5") != std::string::npos);
  }

  void frequencyDifference() {
    // Same lengths; A draws half of its numbers from 0..99.
    const auto a = sample(3, 3000, 2, 8, 0.5), b = sample(4, 3000, 2, 8, 0.0);
    const HiddenSignal h = sublab::hiddenSignal(a, b, options());
    logVariants("frequencies", h);
    for (const auto& v : h.variants) QVERIFY(v.detector.auc > 0.85 && v.detector.lo > 0.5);
    QCOMPARE(h.verdict, HiddenVerdict::Detected);
    QVERIFY(sublab::hiddenVerdictLine(h).find("hidden? no:") == 0);
    const auto j = sublab::toJson(h);
    QCOMPARE(j["variants"].size(), size_t{4});
    QCOMPARE(j["verdict"].get<std::string>(), std::string("detected"));
    QCOMPARE(j["variants"][3]["features"].get<std::string>(), std::string("numbers only"));
    QCOMPARE(j["variants"][3]["length_matched"].get<bool>(), true);
    QVERIFY(j["variants"][1]["detector"].get<std::string>().find("no length feature") !=
            std::string::npos);
  }

  void deterministicAndReusesDetector() {
    const auto a = sample(5, 800, 1, 6, 0.1), b = sample(6, 800, 2, 7, 0.0);
    sublab::StatsOptions o = options();
    const HiddenSignal h1 = sublab::hiddenSignal(a, b, o);
    QCOMPARE(sublab::toJson(h1).dump(), sublab::toJson(sublab::hiddenSignal(a, b, o)).dump());
    // The all-features raw variant is compareSequences' own detector.
    const auto report = sublab::compareSequences(a, b, o);
    QCOMPARE(h1.variants[0].detector.auc, report.detector.auc);
    QCOMPARE(h1.variants[0].detector.lo, report.detector.lo);
    const HiddenSignal h2 = sublab::hiddenSignal(a, b, o, &report.detector);
    QCOMPARE(sublab::toJson(h2).dump(), sublab::toJson(h1).dump());
    o.seed = 9;
    const HiddenSignal h3 = sublab::hiddenSignal(a, b, o);
    QVERIFY(h3.variants[3].detector.auc != h1.variants[3].detector.auc);
  }

  void tooFewMatchedRows() {
    // Disjoint lengths: nothing survives matching.
    const auto a = sample(7, 50, 1, 2, 0.0), b = sample(8, 50, 5, 6, 0.0);
    const HiddenSignal h = sublab::hiddenSignal(a, b, options());
    QCOMPARE(h.variants[3].rowsA, int64_t{0});
    QCOMPARE(h.verdict, HiddenVerdict::Undetermined);
    QVERIFY(sublab::hiddenVerdictLine(h).find("undetermined") != std::string::npos);
    QVERIFY(h.variants[0].detector.testRows > 0);  // the raw variants still ran
  }
};

QTEST_GUILESS_MAIN(TestHiddenSignal)
#include "test_hidden_signal.moc"
