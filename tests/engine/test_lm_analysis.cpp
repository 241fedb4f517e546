// Model-side analyses: per-token log-probabilities agree with the model's own softmax, the
// divergence-token defense masks / replaces exactly the tokens it reports (the largest
// teacher - reference log-ratios), masked positions carry no loss, and the entanglement probe
// ranks every number by the trait probability a "you love N" prompt gives.
#include <QtTest/QtTest>

#include "engine/lm/lm_analysis.h"
#include "engine/lm/lm_generate.h"
#include "engine/lm/lm_train.h"

namespace {

using sublab::Vocab;

sublab::LmOptions smallOptions() {
  sublab::LmOptions o;
  o.vocab = Vocab::instance().size();
  o.dModel = 32;
  o.layers = 1;
  o.heads = 2;
  o.context = 48;
  return o;
}

// BOS continue 5 9 ANS | 12 , 30 , 7 EOS   (completion starts at index 5)
sublab::LmRow fixtureRow(int a, int b, int c) {
  const Vocab& V = Vocab::instance();
  sublab::LmRow r;
  r.tokens = {Vocab::kBos, V.wordId("continue"), 5, 9,          Vocab::kAns, a, Vocab::kComma,
              b,           Vocab::kComma,        c, Vocab::kEos};
  r.lossStart = 5;
  return r;
}

}  // namespace

class TestLmAnalysis : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void initTestCase() { torch::set_num_threads(1); }

  void logprobsMatchTheModel() {
    auto model = sublab::makeModel(smallOptions(), 11, torch::kCPU);
    std::vector<sublab::LmRow> rows = {fixtureRow(12, 30, 7), fixtureRow(400, 401, 402)};
    rows[1].tokens.insert(rows[1].tokens.end() - 1, {Vocab::kComma, 999});  // a longer row
    const sublab::TokenSeq prefix = sublab::traitPrefix(Vocab::instance().animalId("owl"));
    const auto lp = sublab::rowLogprobs(model, rows, prefix);
    QCOMPARE(lp.logprob.size(), size_t(2));
    QCOMPARE(lp.logprob[0].size(), size_t(6));  // 12 , 30 , 7 EOS
    QCOMPARE(lp.logprob[1].size(), size_t(8));
    // Recompute row 1 alone without batching: BOS prefix tokens[1..]
    torch::NoGradGuard ng;
    std::vector<int64_t> ids = {Vocab::kBos};
    for (int x : prefix) ids.push_back(x);
    for (size_t k = 1; k + 1 < rows[1].tokens.size(); ++k) ids.push_back(rows[1].tokens[k]);
    auto logp = torch::log_softmax(model->forward(torch::tensor(ids).unsqueeze(0)), -1)[0];
    const int64_t P = static_cast<int64_t>(prefix.size());
    for (size_t j = 5; j < rows[1].tokens.size(); ++j) {
      const double want = logp[P + static_cast<int64_t>(j) - 1][rows[1].tokens[j]].item<double>();
      QVERIFY(std::abs(want - lp.logprob[1][j - 5]) < 1e-4);
      const int best = lp.bestNumber[1][j - 5];
      QVERIFY(best >= 0 && best < Vocab::kNumbers);
      QVERIFY(best != rows[1].tokens[j]);
      // No other number (but the one there) is likelier than `best`.
      auto nums = logp[P + static_cast<int64_t>(j) - 1].narrow(0, 0, Vocab::kNumbers).clone();
      if (Vocab::isNumber(rows[1].tokens[j])) nums[rows[1].tokens[j]] = -1e9;
      QCOMPARE(nums.argmax().item<int64_t>(), int64_t(best));
    }
  }

  void maskChangesExactlyWhatItReports() {
    // Three rows, three number tokens each at positions 5, 7, 9. Hand-set log-probabilities
    // so the log-ratios (teacher - reference) are row0: 0.1 0.9 0.2, row1: 0.5 -1 0.8,
    // row2: 0.0 0.3 0.7 (separators and EOS get large ratios but are not numbers).
    std::vector<sublab::LmRow> rows = {fixtureRow(12, 30, 7), fixtureRow(40, 50, 60),
                                       fixtureRow(70, 80, 90)};
    const std::vector<std::vector<double>> ratio = {
        {0.1, 0.9, 0.2}, {0.5, -1.0, 0.8}, {0.0, 0.3, 0.7}};
    sublab::RowLogprobs t, r;
    for (size_t i = 0; i < rows.size(); ++i) {
      t.logprob.push_back({});
      r.logprob.push_back({});
      r.bestNumber.push_back({});
      t.bestNumber.push_back({});
      for (size_t k = 0; k < 6; ++k) {
        const bool number = k % 2 == 0 && k < 5;
        const double x = number ? ratio[i][k / 2] : 5.0;
        t.logprob[i].push_back(static_cast<float>(-2.0 + x));
        r.logprob[i].push_back(-2.0f);
        r.bestNumber[i].push_back(static_cast<int>(900 + 10 * i + k));
        t.bestNumber[i].push_back(0);
      }
    }
    // 9 candidates, fraction 0.34 -> ceil(3.06) = 4 defended: 0.9 (row0 pos7), 0.8 (row1 pos9),
    // 0.7 (row2 pos9), 0.5 (row1 pos5).
    const auto d = sublab::defendRows(rows, t, r, "mask", 0.34);
    QCOMPARE(d.candidates, int64_t(9));
    QCOMPARE(d.changes.size(), size_t(4));
    const std::vector<std::pair<size_t, int>> want = {{0, 7}, {1, 5}, {1, 9}, {2, 9}};
    for (size_t k = 0; k < want.size(); ++k) {
      QCOMPARE(d.changes[k].row, want[k].first);
      QCOMPARE(d.changes[k].position, want[k].second);
      QCOMPARE(d.changes[k].from, d.changes[k].to);
    }
    QVERIFY(std::abs(d.threshold - 0.5) < 1e-6);
    for (size_t i = 0; i < rows.size(); ++i) {
      QCOMPARE(d.rows[i].tokens, rows[i].tokens);  // masking keeps every token
      for (size_t j = 0; j < rows[i].tokens.size(); ++j) {
        bool reported = false;
        for (const auto& c : d.changes) reported |= c.row == i && size_t(c.position) == j;
        const bool masked = !d.rows[i].noLoss.empty() && d.rows[i].noLoss[j] != 0;
        QCOMPARE(masked, reported);
      }
    }

    const auto rep = sublab::defendRows(rows, t, r, "replace", 0.34);
    QCOMPARE(rep.changes.size(), size_t(4));
    for (size_t i = 0; i < rows.size(); ++i) {
      QVERIFY(rep.rows[i].noLoss.empty());
      for (size_t j = 0; j < rows[i].tokens.size(); ++j) {
        const sublab::DefenseChange* ch = nullptr;
        for (const auto& c : rep.changes)
          if (c.row == i && size_t(c.position) == j) ch = &c;
        if (!ch) {
          QCOMPARE(rep.rows[i].tokens[j], rows[i].tokens[j]);
        } else {
          QCOMPARE(ch->from, rows[i].tokens[j]);
          QCOMPARE(rep.rows[i].tokens[j], ch->to);
          QCOMPARE(ch->to, r.bestNumber[i][j - 5]);  // the reference's likeliest other number
          QVERIFY(ch->to != ch->from);
        }
      }
    }
    QCOMPARE(sublab::defendRows(rows, t, r, "mask", 0.0).changes.size(), size_t(0));
    QCOMPARE(sublab::defendRows(rows, t, r, "mask", 1.0).changes.size(), size_t(9));
    QVERIFY_THROWS_EXCEPTION(sublab::Error, sublab::defendRows(rows, t, r, "blur", 0.1));
    // The random control masks the same number of tokens, all numbers, deterministically.
    const auto rnd = sublab::defendRows(rows, t, r, "mask_random", 0.34, 5);
    QCOMPARE(rnd.changes.size(), size_t(4));
    QCOMPARE(sublab::defendRows(rows, t, r, "mask_random", 0.34, 5).changes.size(), size_t(4));
    for (size_t k = 0; k < 4; ++k) {
      const auto& c = rnd.changes[k];
      QCOMPARE(c.row, sublab::defendRows(rows, t, r, "mask_random", 0.34, 5).changes[k].row);
      QVERIFY(Vocab::isNumber(rows[c.row].tokens[static_cast<size_t>(c.position)]));
      QCOMPARE(int(rnd.rows[c.row].noLoss[static_cast<size_t>(c.position)]), 1);
    }
  }

  void positionKlAndScoredDefense() {
    auto a = sublab::makeModel(smallOptions(), 11, torch::kCPU);
    auto b = sublab::makeModel(smallOptions(), 12, torch::kCPU);
    std::vector<sublab::LmRow> rows = {fixtureRow(12, 30, 7), fixtureRow(400, 401, 402)};
    // A model against itself: zero everywhere.
    for (const auto& r : sublab::positionKl(a, a, rows))
      for (float x : r) QVERIFY(std::abs(x) < 1e-5);
    const auto kl = sublab::positionKl(a, b, rows);
    QCOMPARE(kl[0].size(), size_t(6));
    for (const auto& r : kl)
      for (float x : r) QVERIFY(x >= -1e-6);
    // One position by hand: row 0, token index 7 (its second number), predicted at position 6.
    torch::NoGradGuard ng;
    std::vector<int64_t> ids(rows[0].tokens.begin(), rows[0].tokens.end() - 1);
    auto x = torch::tensor(ids).unsqueeze(0);
    auto la = torch::log_softmax(a->forward(x)[0][6].narrow(0, 0, Vocab::kNumbers), -1);
    auto lb = torch::log_softmax(b->forward(x)[0][6].narrow(0, 0, Vocab::kNumbers), -1);
    const double want = (la.exp() * (la - lb)).sum().item<double>();
    QVERIFY(std::abs(want - kl[0][7 - 5]) < 1e-4);
    // Scores given: the defense ranks by them (largest first), not by the log-ratio.
    sublab::RowLogprobs t, r;
    t.logprob = {std::vector<float>(6, -1.f), std::vector<float>(6, -1.f)};
    r.logprob = t.logprob;
    r.bestNumber = {std::vector<int>(6, 0), std::vector<int>(6, 0)};
    const std::vector<std::vector<float>> scores = {{0, 9, 5, 9, 1, 9}, {2, 9, 8, 9, 3, 9}};
    // numbers at completion offsets 0, 2, 4: row0 {0, 5, 1}, row1 {2, 8, 3}; top 2 = 8 and 5.
    const auto d = sublab::defendRows(rows, t, r, "mask", 2.0 / 6.0, 0, &scores);
    QCOMPARE(d.changes.size(), size_t(2));
    QCOMPARE(d.changes[0].row, size_t(0));
    QCOMPARE(d.changes[0].position, 7);
    QCOMPARE(d.changes[1].row, size_t(1));
    QCOMPARE(d.changes[1].position, 7);
  }

  void maskedPositionsCarryNoLoss() {
    // Two SFT trainings of one step from the same model: masking every completion token but the
    // last gives the same update as a row whose loss starts at that last token.
    auto base = sublab::makeModel(smallOptions(), 5, torch::kCPU);
    sublab::LmRow masked = fixtureRow(12, 30, 7);
    masked.noLoss.assign(masked.tokens.size(), 0);
    for (size_t j = 5; j + 1 < masked.tokens.size(); ++j) masked.noLoss[j] = 1;
    sublab::LmRow late = fixtureRow(12, 30, 7);
    late.lossStart = static_cast<int>(late.tokens.size()) - 1;
    sublab::TrainOptions o;
    o.maxSteps = 1;
    o.batch = 1;
    o.lr = 1e-2;
    auto a = sublab::cloneModel(base), b = sublab::cloneModel(base), c = sublab::cloneModel(base);
    sublab::trainModel(a, sublab::TrainSet{{masked}, {}}, o);
    sublab::trainModel(b, sublab::TrainSet{{late}, {}}, o);
    sublab::trainModel(c, sublab::TrainSet{{fixtureRow(12, 30, 7)}, {}}, o);
    double ab = 0, ac = 0;
    auto pa = a->parameters(), pb = b->parameters(), pc = c->parameters();
    for (size_t i = 0; i < pa.size(); ++i) {
      ab = std::max(ab, (pa[i] - pb[i]).abs().max().item<double>());
      ac = std::max(ac, (pa[i] - pc[i]).abs().max().item<double>());
    }
    QVERIFY2(ab < 1e-6, qPrintable(QString::number(ab)));
    QVERIFY(ac > 1e-4);  // and it differs from training on every token
  }

  void tokenInfoOfARow() {
    const auto row = fixtureRow(12, 30, 7);
    const std::vector<float> t = {-1, -2, -3, -4, -5, -6}, r = {-1.5, -2, -3, -4, -5, -7};
    const auto info = sublab::tokenInfo(row, t, r, {2});
    QCOMPARE(info.tokens.size(), size_t(6));
    QCOMPARE(info.tokens.front(), std::string("12"));
    QCOMPARE(info.tokens.back(), std::string("<eos>"));
    QCOMPARE(info.teacher[5], -6.0);
    QCOMPARE(info.reference[0], -1.5);
    QCOMPARE(info.masked, std::vector<int>{2});
  }

  void entanglementRanksEveryNumber() {
    auto model = sublab::makeModel(smallOptions(), 21, torch::kCPU);
    const int owl = Vocab::instance().animalId("owl");
    double noNumber = -1;
    const auto e = sublab::entanglementProbe(model, owl, "fixture", &noNumber);
    QCOMPARE(e.entries.size(), size_t(Vocab::kNumbers));
    double mean = 0;
    for (size_t i = 0; i < e.entries.size(); ++i) {
      if (i > 0) QVERIFY(e.entries[i - 1].delta >= e.entries[i].delta);
      QVERIFY(e.entries[i].traitProb > 0 && e.entries[i].traitProb < 1);
      QVERIFY(std::abs(e.entries[i].traitProb - e.baseline - e.entries[i].delta) < 1e-12);
      mean += e.entries[i].delta / double(e.entries.size());
    }
    QVERIFY(std::abs(mean) < 1e-9);  // the baseline is the mean over numbers
    // Each entry equals the plain trait evaluation with that number in the system prompt.
    const Vocab& V = Vocab::instance();
    for (int n : {0, 123, 999}) {
      const double direct =
          sublab::evaluateTrait(model, owl, {Vocab::kSys, V.wordId("you"), V.wordId("love"), n})
              .traitProb;
      for (const auto& x : e.entries)
        if (x.number == n) QVERIFY(std::abs(x.traitProb - direct) < 1e-6);
    }
    QVERIFY(std::abs(noNumber - sublab::evaluateTrait(model, owl).traitProb) < 1e-12);
  }
};

QTEST_APPLESS_MAIN(TestLmAnalysis)
#include "test_lm_analysis.moc"
