// Every generic statistics primitive in one place: mean with a t-based 95% CI and paired
// differences; normal and chi-square tail probabilities, the two-proportion z test and the
// Benjamini-Hochberg adjustment; KL / JS divergences with a chi-square test of homogeneity;
// ranks (AUC with ties, Spearman); a SplitMix64 stream; ROC and AUC with a bootstrap CI.
// Pure C++ (no torch, no Qt) so storage, the CLI, the GUI and tests can use it directly.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include "engine/core/common.h"

namespace sublab {

// --- means ---------------------------------------------------------------------------------

// Two-sided 97.5% quantile of Student's t with `df` degrees of freedom (df >= 1).
double tQuantile975(int df);

// Mean and 95% CI. n == 1 gives lo == hi == mean; n == 0 gives zeros.
Interval meanCi95(const std::vector<double>& xs);

// Element-wise a - b (same length, paired by index), then meanCi95.
Interval pairedDifferenceCi95(const std::vector<double>& a, const std::vector<double>& b);

// mean(a) - mean(b) of two independent samples with Welch's 95% CI (Welch-Satterthwaite
// degrees of freedom, rounded down). n = size(a) + size(b). With fewer than two values on a
// side there is no interval: lo == hi == the difference of the means.
Interval welchDifferenceCi95(const std::vector<double>& a, const std::vector<double>& b);

// Wilson score interval of a proportion `successes` / `n` at normal quantile `z` (1.96: 95%):
// mean = successes / n; it stays inside [0, 1] and is not degenerate at 0 or n successes (the
// rate of rare answers, e.g. a base model naming an animal 1% of the time). n == 0: all zeros.
Interval wilsonInterval(int64_t successes, int64_t n, double z = 1.959963984540054);

// Newcombe's hybrid score interval (his method 10) of the difference of two independent
// proportions xa/na - xb/nb, from their Wilson intervals at 95%: mean = the difference, n = na +
// nb. Either n == 0: all zeros.
Interval newcombeDifference(int64_t xa, int64_t na, int64_t xb, int64_t nb);

// --- tests and p-values --------------------------------------------------------------------

double normalSurvival(double z);  // P(Z > z), standard normal
// Regularised upper incomplete gamma Q(a, x) = Gamma(a, x) / Gamma(a); 1 for x <= 0.
double regularizedGammaQ(double a, double x);
double chiSquareSurvival(double x, double df);  // P(X > x), chi-square with df (1 when df <= 0)
// Two-sided p-value of the pooled two-proportion z test of xa/na vs xb/nb (1 when undefined).
double twoProportionP(int64_t xa, int64_t na, int64_t xb, int64_t nb, double* z = nullptr);
// Benjamini-Hochberg adjusted p-values (step-up, monotone, capped at 1), same order as input.
std::vector<double> benjaminiHochberg(const std::vector<double>& p);

// --- divergences ---------------------------------------------------------------------------

// KL(p || q) in bits; p and q are distributions of equal size (q > 0 where p > 0).
double klBits(const std::vector<double>& p, const std::vector<double>& q);
// Jensen-Shannon divergence in bits (0..1).
double jsBits(const std::vector<double>& p, const std::vector<double>& q);

struct Divergences {
  double smoothing = 0.5;  // the pseudo-count used (stated with the figures)
  double klAB = 0.0;       // KL(A || B) in bits, over the smoothed distributions
  double klBA = 0.0;       // KL(B || A) in bits
  double js = 0.0;         // Jensen-Shannon divergence in bits (0..1)
  double chi2 = 0.0;       // chi-square test of homogeneity on the raw 2 x cells table
  int df = 0;              // cells with a non-zero total, minus 1
  double chi2P = 1.0;      // upper-tail p-value
};
// Divergences of two count vectors (equal size) with an additive pseudo-count per cell.
Divergences divergences(const std::vector<int64_t>& a, const std::vector<int64_t>& b,
                        double smoothing);

// --- ranks and quantiles -------------------------------------------------------------------

// Average ranks (1-based); ties share the mean of their positions.
std::vector<double> averageRanks(const std::vector<double>& x);
// AUC = P(score of a positive > score of a negative) + 0.5 P(tie) (Mann-Whitney).
double auc(const std::vector<double>& positives, const std::vector<double>& negatives);
// Spearman rank correlation (average ranks for ties); 0 when undefined.
double spearman(const std::vector<double>& x, const std::vector<double>& y);
// Value at fraction f of ascending values, linear interpolation between order statistics.
double quantileSorted(const std::vector<double>& sorted, double f);

// --- resampling ----------------------------------------------------------------------------

// SplitMix64: tiny, fast, and the same sequence on every platform (no dependence on the
// standard library's distributions).
struct SplitMix64 {
  uint64_t s;
  explicit SplitMix64(uint64_t seed) : s(seed) {}
  uint64_t next() {
    uint64_t z = (s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  // Uniform in [0, n) by multiply-shift (bias < n / 2^64).
  uint64_t below(uint64_t n) {
    return static_cast<uint64_t>((static_cast<unsigned __int128>(next()) * n) >> 64);
  }
};

// Fisher-Yates shuffle drawing from `rng`.
template <class T>
void shuffle(std::vector<T>& v, SplitMix64& rng) {
  for (size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[rng.below(i)]);
}

// --- ROC and AUC with a bootstrap CI -------------------------------------------------------

struct RocPoint {
  double fpr = 0.0, tpr = 0.0;
};

struct RocAuc {
  double auc = 0.5, lo = 0.5, hi = 0.5;  // Mann-Whitney AUC and its percentile bootstrap CI
  int bootstrap = 0;                     // resamples drawn (0: lo == hi == auc)
  std::vector<RocPoint> roc;             // from (0,0) to (1,1), one point per tie group, thinned
};

// Scores with labels (1 positive, 0 negative; both present): the AUC, the ROC thinned to
// `rocPoints` points (ends kept), and a percentile 95% CI over `bootstrap` resamples that draw
// positives and negatives separately. Resample i draws from its own stream
// (seeds::bootstrapResample(seed, i)), so the CI does not depend on the thread count.
RocAuc rocAuc(const std::vector<double>& scores, const std::vector<uint8_t>& labels, int rocPoints,
              int bootstrap, uint64_t seed);

}  // namespace sublab
