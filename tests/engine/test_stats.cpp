// Tests for the statistics primitives (stats.h), each against a hand-computed fixture
// (arithmetic in the comments): t quantiles, mean with 95% CI, paired differences; normal and
// chi-square tails, the two-proportion test, Benjamini-Hochberg; KL / JS and count divergences;
// ranks, AUC with ties, Spearman, quantiles; ROC / AUC with its bootstrap CI.
#include <QtTest/QtTest>
#include <cmath>

#include "engine/core/stats.h"

namespace {

bool near(double a, double b, double tol = 1e-6) { return std::abs(a - b) <= tol; }

}  // namespace

class TestStats : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void tQuantiles() {
    QCOMPARE(qRound(sublab::tQuantile975(1) * 1000), 12706);
    QCOMPARE(qRound(sublab::tQuantile975(2) * 1000), 4303);
    // Beyond the table the expansion must stay close to the exact values.
    QVERIFY(std::abs(sublab::tQuantile975(40) - 2.0211) < 2e-3);
    QVERIFY(std::abs(sublab::tQuantile975(99) - 1.9842) < 2e-3);
  }
  void meanCi() {
    // Hand computed: mean 2, sd 1, n 3 -> half width 4.3027 / sqrt(3) = 2.48416.
    auto r = sublab::meanCi95({1.0, 2.0, 3.0});
    QCOMPARE(r.n, 3);
    QVERIFY(std::abs(r.mean - 2.0) < 1e-12);
    QVERIFY(std::abs(r.hi - r.mean - 2.48416) < 1e-4);
    QVERIFY(std::abs(r.mean - r.lo - 2.48416) < 1e-4);
    auto one = sublab::meanCi95({5.0});
    QCOMPARE(one.lo, 5.0);
    QCOMPARE(one.hi, 5.0);
    QCOMPARE(sublab::meanCi95({}).n, 0);
  }
  void paired() {
    auto r = sublab::pairedDifferenceCi95({3.0, 4.0, 5.0}, {1.0, 1.0, 1.0});
    QVERIFY(std::abs(r.mean - 3.0) < 1e-12);
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument,
                             sublab::pairedDifferenceCi95({1.0}, {1.0, 2.0}));
  }

  void welch() {
    // a = 1..4: mean 2.5, var 5/3; b = 2, 4, 6: mean 4, var 4. se^2 = 5/12 + 4/3 = 7/4;
    // df = (7/4)^2 / ((5/12)^2 / 3 + (4/3)^2 / 2) = 3.2347 -> 3, t = 3.1824 (tQuantile975's
    // table has 4 decimals); half width = 3.1824 * sqrt(7/4) = 4.20992.
    const auto r = sublab::welchDifferenceCi95({1.0, 2.0, 3.0, 4.0}, {2.0, 4.0, 6.0});
    QVERIFY(near(r.mean, -1.5, 1e-12));
    QVERIFY(near(r.lo, -1.5 - 4.20992, 1e-5));
    QVERIFY(near(r.hi, -1.5 + 4.20992, 1e-5));
    QCOMPARE(r.n, 7);
    // One value on a side: the difference of the means without an interval.
    const auto one = sublab::welchDifferenceCi95({2.0}, {1.0, 3.0});
    QCOMPARE(one.mean, 0.0);
    QCOMPARE(one.lo, one.hi);
  }

  void normalAndTwoProportion() {
    QVERIFY(near(sublab::normalSurvival(0.0), 0.5, 1e-15));
    QVERIFY(near(sublab::normalSurvival(1.959964), 0.025, 1e-7));
    // 2/3 vs 0/3: pooled 1/3, se = sqrt(1/3 * 2/3 * (1/3 + 1/3)) = sqrt(4/27),
    // z = (2/3) / sqrt(4/27) = sqrt(3) = 1.7320508, p = 2 Q(sqrt 3) = 0.0832645.
    double z = 0;
    QVERIFY(near(sublab::twoProportionP(2, 3, 0, 3, &z), 0.0832645, 1e-6));
    QVERIFY(near(z, std::sqrt(3.0), 1e-12));
    // Undefined (empty side, or pooled proportion 0) -> p = 1, z = 0.
    QCOMPARE(sublab::twoProportionP(1, 0, 0, 3, &z), 1.0);
    QCOMPARE(z, 0.0);
    QCOMPARE(sublab::twoProportionP(0, 5, 0, 3, &z), 1.0);
  }

  void benjaminiHochberg() {
    // p = {0.01, 0.04, 0.03, 0.005}, n = 4. Sorted: 0.005, 0.01, 0.03, 0.04;
    // p n / rank = 0.02, 0.02, 0.04, 0.04; running minimum from the top leaves them as is.
    auto q = sublab::benjaminiHochberg({0.01, 0.04, 0.03, 0.005});
    QCOMPARE(q.size(), size_t{4});
    QVERIFY(near(q[0], 0.02, 1e-12) && near(q[1], 0.04, 1e-12));
    QVERIFY(near(q[2], 0.04, 1e-12) && near(q[3], 0.02, 1e-12));
    // Monotone step-up: {0.02, 0.03, 0.5} -> raw 0.06, 0.045, 0.5 -> q = 0.045, 0.045, 0.5.
    q = sublab::benjaminiHochberg({0.02, 0.03, 0.5});
    QVERIFY(near(q[0], 0.045, 1e-12) && near(q[1], 0.045, 1e-12) && near(q[2], 0.5, 1e-12));
    // Capped at 1: {1.0, 0.9} -> raw 1.8 (0.9 first), 1.0 -> q = 1, 1.
    q = sublab::benjaminiHochberg({1.0, 0.9});
    QCOMPARE(q[0], 1.0);
    QCOMPARE(q[1], 1.0);
    QVERIFY(sublab::benjaminiHochberg({}).empty());
  }

  void chiSquareSurvival() {
    // Table values: 3.841459 (df 1) and 18.307038 (df 10) are the 95% quantiles.
    QVERIFY(near(sublab::chiSquareSurvival(3.841459, 1), 0.05, 1e-6));
    QVERIFY(near(sublab::chiSquareSurvival(18.307038, 10), 0.05, 1e-6));
    // df 2: P(X > x) = exp(-x / 2) exactly; x = 1 takes the series, x = 10 the fraction.
    QVERIFY(near(sublab::chiSquareSurvival(4.0, 2), std::exp(-2.0), 1e-12));
    QVERIFY(near(sublab::chiSquareSurvival(1.0, 2), std::exp(-0.5), 1e-12));
    QVERIFY(near(sublab::chiSquareSurvival(10.0, 2), std::exp(-5.0), 1e-12));
    // df 1: P(X > x) = 2 Q(sqrt x), deep in the tail too.
    for (double x : {0.5, 2.0, 9.0, 50.0})
      QVERIFY(near(sublab::chiSquareSurvival(x, 1), 2 * sublab::normalSurvival(std::sqrt(x)),
                   1e-12 + 1e-9 * sublab::chiSquareSurvival(x, 1)));
    // df 1000 (the 1000-number table): even df -> P(X > x) = P(Poisson(x / 2) < 500), summed
    // exactly in log space: x = 900, 1000, 1100 -> 0.9892827619, 0.4940528538, 0.0146144081.
    QVERIFY(near(sublab::chiSquareSurvival(900, 1000), 0.9892827619, 1e-8));
    QVERIFY(near(sublab::chiSquareSurvival(1000, 1000), 0.4940528538, 1e-8));
    QVERIFY(near(sublab::chiSquareSurvival(1100, 1000), 0.0146144081, 1e-8));
    QCOMPARE(sublab::chiSquareSurvival(0.0, 3), 1.0);
  }

  void klAndJs() {
    // p = (1/2, 1/2), q = (1/4, 3/4):
    // KL(p||q) = 1/2 log2 2 + 1/2 log2 (2/3) = 0.5 - 0.2924813 = 0.2075187
    // KL(q||p) = 1/4 log2 (1/2) + 3/4 log2 (3/2) = -0.25 + 0.4387219 = 0.1887219
    // m = (3/8, 5/8): KL(p||m) = 0.0465547, KL(q||m) = 0.0510352, JS = 0.0487949.
    const std::vector<double> p{0.5, 0.5}, q{0.25, 0.75};
    QVERIFY(near(sublab::klBits(p, q), 0.2075187, 1e-7));
    QVERIFY(near(sublab::klBits(q, p), 0.1887219, 1e-7));
    QVERIFY(near(sublab::jsBits(p, q), 0.0487949, 1e-7));
    QCOMPARE(sublab::jsBits(p, q), sublab::jsBits(q, p));
    QVERIFY(near(sublab::jsBits({1, 0}, {0, 1}), 1.0, 1e-12));  // disjoint: the maximum
    QCOMPARE(sublab::klBits(p, p), 0.0);
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, sublab::klBits({1.0}, {0.5, 0.5}));
  }

  void divergencesOfCounts() {
    // a = (3, 1), b = (1, 3), no smoothing: KL = 3/4 log2 3 + 1/4 log2 (1/3) = 1/2 log2 3.
    // Chi-square: expected 2 in each cell, chi2 = 4 * (1^2 / 2) = 2, df 1, p = 2 Q(sqrt 2).
    // A third cell with zero total leaves chi2 and df unchanged.
    auto d = sublab::divergences({3, 1, 0}, {1, 3, 0}, 0.0);
    QVERIFY(near(d.klAB, 0.5 * std::log2(3.0), 1e-12));
    QVERIFY(near(d.klBA, 0.5 * std::log2(3.0), 1e-12));
    QVERIFY(near(d.chi2, 2.0, 1e-12));
    QCOMPARE(d.df, 1);
    QVERIFY(near(d.chi2P, 0.1572992, 1e-7));
    // Smoothing 1 on (3, 1) vs (1, 3): (2/3, 1/3) vs (1/3, 2/3), KL = 1/3 bit; chi2 unsmoothed.
    d = sublab::divergences({3, 1}, {1, 3}, 1.0);
    QCOMPARE(d.smoothing, 1.0);
    QVERIFY(near(d.klAB, 1.0 / 3, 1e-12));
    QVERIFY(near(d.chi2, 2.0, 1e-12));
    QVERIFY(d.js > 0 && d.js <= 1);
  }

  void aucWithTies() {
    // pos {3, 2, 1} vs neg {2, 0}: 3 beats both (2), 2 ties 2 and beats 0 (1.5), 1 beats 0
    // (1): 4.5 of 6 pairs = 0.75.
    QVERIFY(near(sublab::auc({3, 2, 1}, {2, 0}), 0.75, 1e-12));
    QCOMPARE(sublab::auc({1, 1}, {1}), 0.5);
    QCOMPARE(sublab::auc({2}, {1}), 1.0);
    QCOMPARE(sublab::auc({}, {1}), 0.5);
  }

  void spearmanRanks() {
    // x ranks 1..5; y = {5, 6, 7, 8, 7} ranks {1, 2, 3.5, 5, 3.5}. Deviations from 3:
    // dx = {-2, -1, 0, 1, 2}, dy = {-2, -1, 0.5, 2, 0.5}: sxy = 8, sxx = 10, syy = 9.5,
    // rho = 8 / sqrt(95) = 0.8207827.
    QVERIFY(near(sublab::spearman({1, 2, 3, 4, 5}, {5, 6, 7, 8, 7}), 8 / std::sqrt(95.0), 1e-12));
    QVERIFY(near(sublab::spearman({1, 2, 3}, {1, 8, 27}), 1.0, 1e-12));
    QVERIFY(near(sublab::spearman({1, 2, 3}, {3, 2, 1}), -1.0, 1e-12));
    QCOMPARE(sublab::spearman({1, 2, 3}, {4, 4, 4}), 0.0);
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, sublab::spearman({1}, {1, 2}));
  }

  void ranksAndQuantiles() {
    // {3, 1, 3, 2}: 1 -> rank 1, 2 -> rank 2, the two 3s share (3 + 4) / 2 = 3.5.
    QCOMPARE(sublab::averageRanks({3, 1, 3, 2}), (std::vector<double>{3.5, 1, 3.5, 2}));
    // {1, 2, 4}: f = 0.25 sits at position 0.5 -> 1.5; f = 0.75 at 1.5 -> 3; the ends exact.
    QCOMPARE(sublab::quantileSorted({1, 2, 4}, 0.25), 1.5);
    QCOMPARE(sublab::quantileSorted({1, 2, 4}, 0.75), 3.0);
    QCOMPARE(sublab::quantileSorted({1, 2, 4}, 0.0), 1.0);
    QCOMPARE(sublab::quantileSorted({1, 2, 4}, 1.0), 4.0);
    QCOMPARE(sublab::quantileSorted({}, 0.5), 0.0);
  }

  void splitMixIsFixed() {
    // The stream is part of the determinism contract: the first output of seed 0 is
    // SplitMix64's published first value, and below(n) stays in range.
    sublab::SplitMix64 r(0);
    QCOMPARE(r.next(), uint64_t{0xe220a8397b1dcdafULL});
    for (int i = 0; i < 100; ++i) QVERIFY(r.below(7) < 7);
    std::vector<int> v{1, 2, 3, 4, 5};
    sublab::SplitMix64 a(42), b(42);
    std::vector<int> w = v;
    sublab::shuffle(v, a);
    sublab::shuffle(w, b);
    QCOMPARE(v, w);
    std::sort(v.begin(), v.end());
    QCOMPARE(v, (std::vector<int>{1, 2, 3, 4, 5}));
  }

  void rocAucOfScores() {
    // Scores (label): 0.1 (0), 0.4 (1), 0.4 (0), 0.8 (1). Pairs: 0.4+ beats 0.1, ties 0.4- (1.5);
    // 0.8 beats both (2): AUC 3.5 / 4 = 0.875. From the top: 0.8 -> (0, 0.5); the 0.4 tie group
    // -> (0.5, 1); 0.1 -> (1, 1).
    const auto r = sublab::rocAuc({0.1, 0.4, 0.4, 0.8}, {0, 1, 0, 1}, 101, 0, 1);
    QVERIFY(near(r.auc, 0.875, 1e-12));
    QCOMPARE(r.lo, r.auc);
    QCOMPARE(r.hi, r.auc);
    QCOMPARE(r.bootstrap, 0);
    QCOMPARE(r.roc.size(), size_t{4});
    QCOMPARE(r.roc[1].fpr, 0.0);
    QCOMPARE(r.roc[1].tpr, 0.5);
    QCOMPARE(r.roc[2].fpr, 0.5);
    QCOMPARE(r.roc[3].tpr, 1.0);
    // The same AUC as the rank formula.
    QCOMPARE(r.auc, sublab::auc({0.4, 0.8}, {0.1, 0.4}));
    // Thinned to 2 points: the ends.
    const auto two = sublab::rocAuc({0.1, 0.4, 0.4, 0.8}, {0, 1, 0, 1}, 2, 0, 1);
    QCOMPARE(two.roc.size(), size_t{2});
    QCOMPARE(two.roc[0].fpr, 0.0);
    QCOMPARE(two.roc[1].fpr, 1.0);
    // Bootstrap: a CI around the AUC, reproducible for a seed; perfect separation stays at 1.
    std::vector<double> scores;
    std::vector<uint8_t> labels;
    for (int i = 0; i < 40; ++i) {
      scores.push_back(i % 2 ? 0.5 + 0.01 * i : 0.3 + 0.01 * i);
      labels.push_back(static_cast<uint8_t>(i % 2));
    }
    const auto b1 = sublab::rocAuc(scores, labels, 101, 200, 7);
    const auto b2 = sublab::rocAuc(scores, labels, 101, 200, 7);
    QCOMPARE(b1.bootstrap, 200);
    QVERIFY(b1.lo <= b1.auc && b1.auc <= b1.hi);
    QCOMPARE(b1.lo, b2.lo);
    QCOMPARE(b1.hi, b2.hi);
    const auto perfect = sublab::rocAuc({0.1, 0.2, 0.8, 0.9}, {0, 0, 1, 1}, 101, 50, 3);
    QCOMPARE(perfect.auc, 1.0);
    QCOMPARE(perfect.lo, 1.0);
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, sublab::rocAuc({0.1}, {0, 1}, 101, 0, 1));
  }
};

QTEST_APPLESS_MAIN(TestStats)
#include "test_stats.moc"
