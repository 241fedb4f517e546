// Implementation of the statistics primitives in stats.h. The only randomness is SplitMix64
// streams seeded through seeds.h, so results do not depend on the standard library's
// distributions or on the number of threads.
#include "engine/core/stats.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>
#include <thread>

#include "engine/core/seeds.h"

namespace sublab {

namespace {

// Scored items sorted once; tie groups let any multiset of them be scored in O(n).
struct RankedTest {
  std::vector<uint8_t> label;               // by sorted position (ascending score)
  std::vector<int32_t> groupEnd;            // for each tie group, one past its last position
  std::vector<int32_t> posIndex, negIndex;  // sorted positions of the positives / negatives
};

// Mann-Whitney AUC of the items weighted by `mult` (by sorted position).
double weightedAuc(const RankedTest& t, const std::vector<uint32_t>& mult) {
  double num = 0.0, negBelow = 0.0, posTotal = 0.0;
  int32_t begin = 0;
  for (int32_t end : t.groupEnd) {
    double wp = 0.0, wn = 0.0;
    for (int32_t i = begin; i < end; ++i) (t.label[i] ? wp : wn) += mult[i];
    num += wp * (negBelow + 0.5 * wn);
    negBelow += wn;
    posTotal += wp;
    begin = end;
  }
  return posTotal > 0 && negBelow > 0 ? num / (posTotal * negBelow) : 0.5;
}

// `scored` sorted ascending (by score, then label) as tie groups and label positions.
RankedTest rankScored(const std::vector<std::pair<double, uint8_t>>& scored) {
  RankedTest t;
  t.label.resize(scored.size());
  for (int32_t i = 0; i < static_cast<int32_t>(scored.size()); ++i) {
    t.label[i] = scored[i].second;
    (t.label[i] ? t.posIndex : t.negIndex).push_back(i);
    if (i + 1 == static_cast<int32_t>(scored.size()) || scored[i + 1].first != scored[i].first)
      t.groupEnd.push_back(i + 1);
  }
  return t;
}

// ROC from the highest score down, one point per tie group, starting at (0, 0).
std::vector<RocPoint> rocCurve(const RankedTest& t) {
  std::vector<RocPoint> roc{{0.0, 0.0}};
  const double np = static_cast<double>(t.posIndex.size());
  const double nn = static_cast<double>(t.negIndex.size());
  double tp = 0, fp = 0;
  int32_t end = static_cast<int32_t>(t.label.size());
  for (size_t g = t.groupEnd.size(); g-- > 0;) {
    const int32_t begin = g == 0 ? 0 : t.groupEnd[g - 1];
    for (int32_t i = begin; i < end; ++i) (t.label[i] ? tp : fp) += 1;
    roc.push_back({fp / nn, tp / np});
    end = begin;
  }
  return roc;
}

// At most max(2, points) points of `roc`, evenly spaced by index, both ends kept.
std::vector<RocPoint> thinRoc(const std::vector<RocPoint>& roc, int points) {
  const size_t keep = static_cast<size_t>(std::max(2, points));
  if (roc.size() <= keep) return roc;
  std::vector<RocPoint> out;
  for (size_t k = 0; k < keep; ++k)
    out.push_back(roc[static_cast<size_t>(
        std::llround(static_cast<double>(k) * static_cast<double>(roc.size() - 1) /
                     static_cast<double>(keep - 1)))]);
  return out;
}

// AUCs of `count` resamples, positives and negatives resampled separately, on up to 8 threads.
std::vector<double> bootstrapAucs(const RankedTest& t, int count, uint64_t seed) {
  std::vector<double> aucs(count);
  const unsigned threads = std::max(
      1u, std::min({std::thread::hardware_concurrency(), 8u, static_cast<unsigned>(count)}));
  auto work = [&](unsigned tid) {
    std::vector<uint32_t> mult(t.label.size());
    for (int i = static_cast<int>(tid); i < count; i += static_cast<int>(threads)) {
      std::fill(mult.begin(), mult.end(), 0u);
      // Hashed start: plain seed + i would give overlapping (shifted) SplitMix streams.
      SplitMix64 r(SplitMix64(seeds::bootstrapResample(seed, static_cast<uint64_t>(i))).next());
      for (size_t k = 0; k < t.posIndex.size(); ++k) mult[t.posIndex[r.below(t.posIndex.size())]]++;
      for (size_t k = 0; k < t.negIndex.size(); ++k) mult[t.negIndex[r.below(t.negIndex.size())]]++;
      aucs[i] = weightedAuc(t, mult);
    }
  };
  std::vector<std::thread> pool;
  for (unsigned k = 1; k < threads; ++k) pool.emplace_back(work, k);
  work(0);
  for (auto& th : pool) th.join();
  return aucs;
}

}  // namespace

// --- means ---------------------------------------------------------------------------------

double tQuantile975(int df) {
  // Exact table for small df; beyond it the Cornish-Fisher expansion is accurate to ~1e-4.
  static const double kTable[] = {0.0,    12.7062, 4.3027, 3.1824, 2.7764, 2.5706, 2.4469, 2.3646,
                                  2.3060, 2.2622,  2.2281, 2.2010, 2.1788, 2.1604, 2.1448, 2.1314,
                                  2.1199, 2.1098,  2.1009, 2.0930, 2.0860, 2.0796, 2.0739, 2.0687,
                                  2.0639, 2.0595,  2.0555, 2.0518, 2.0484, 2.0452, 2.0423};
  if (df < 1) throw std::invalid_argument("tQuantile975: df must be >= 1");
  if (df <= 30) return kTable[df];
  const double z = 1.959964;
  const double v = df;
  const double z3 = z * z * z, z5 = z3 * z * z, z7 = z5 * z * z;
  return z + (z3 + z) / (4 * v) + (5 * z5 + 16 * z3 + 3 * z) / (96 * v * v) +
         (3 * z7 + 19 * z5 + 17 * z3 - 15 * z) / (384 * v * v * v);
}

Interval meanCi95(const std::vector<double>& xs) {
  Interval r;
  r.n = static_cast<int>(xs.size());
  if (xs.empty()) return r;
  double sum = 0;
  for (double x : xs) sum += x;
  r.mean = sum / r.n;
  if (r.n == 1) {
    r.lo = r.hi = r.mean;
    return r;
  }
  double ss = 0;
  for (double x : xs) ss += (x - r.mean) * (x - r.mean);
  const double sd = std::sqrt(ss / (r.n - 1));
  const double half = tQuantile975(r.n - 1) * sd / std::sqrt(static_cast<double>(r.n));
  r.lo = r.mean - half;
  r.hi = r.mean + half;
  return r;
}

Interval pairedDifferenceCi95(const std::vector<double>& a, const std::vector<double>& b) {
  if (a.size() != b.size()) throw std::invalid_argument("pairedDifferenceCi95: sizes differ");
  std::vector<double> d(a.size());
  for (size_t i = 0; i < a.size(); ++i) d[i] = a[i] - b[i];
  return meanCi95(d);
}

Interval welchDifferenceCi95(const std::vector<double>& a, const std::vector<double>& b) {
  const Interval ma = meanCi95(a), mb = meanCi95(b);
  Interval r;
  r.n = ma.n + mb.n;
  if (a.empty() || b.empty()) return r;
  r.mean = r.lo = r.hi = ma.mean - mb.mean;
  if (a.size() < 2 || b.size() < 2) return r;
  auto variance = [](const std::vector<double>& xs, double mean) {
    double ss = 0;
    for (double x : xs) ss += (x - mean) * (x - mean);
    return ss / static_cast<double>(xs.size() - 1);
  };
  const double va = variance(a, ma.mean) / static_cast<double>(a.size());
  const double vb = variance(b, mb.mean) / static_cast<double>(b.size());
  const double se2 = va + vb;
  if (se2 <= 0) return r;
  const double df =
      se2 * se2 /
      (va * va / static_cast<double>(a.size() - 1) + vb * vb / static_cast<double>(b.size() - 1));
  const double half = tQuantile975(std::max(1, static_cast<int>(std::floor(df)))) * std::sqrt(se2);
  r.lo = r.mean - half;
  r.hi = r.mean + half;
  return r;
}

// --- tests and p-values --------------------------------------------------------------------

// Series for x < a + 1, Lentz's continued fraction otherwise (Numerical Recipes 6.2, with room
// for the large a of 1000-cell tables).
double regularizedGammaQ(double a, double x) {
  if (x <= 0.0) return 1.0;
  const double lnPrefix = a * std::log(x) - x - std::lgamma(a);
  constexpr int kMaxIter = 100000;
  constexpr double kEps = 1e-15;
  if (x < a + 1.0) {
    double ap = a, term = 1.0 / a, sum = term;
    for (int n = 0; n < kMaxIter; ++n) {
      ap += 1.0;
      term *= x / ap;
      sum += term;
      if (std::abs(term) < std::abs(sum) * kEps) break;
    }
    return std::clamp(1.0 - sum * std::exp(lnPrefix), 0.0, 1.0);
  }
  constexpr double kTiny = 1e-300;
  double b = x + 1.0 - a, c = 1.0 / kTiny, d = 1.0 / b, h = d;
  for (int i = 1; i < kMaxIter; ++i) {
    const double an = -i * (i - a);
    b += 2.0;
    d = an * d + b;
    if (std::abs(d) < kTiny) d = kTiny;
    c = b + an / c;
    if (std::abs(c) < kTiny) c = kTiny;
    d = 1.0 / d;
    const double del = d * c;
    h *= del;
    if (std::abs(del - 1.0) < kEps) break;
  }
  return std::clamp(std::exp(lnPrefix) * h, 0.0, 1.0);
}

Interval wilsonInterval(int64_t successes, int64_t n, double z) {
  Interval out;
  if (n <= 0) return out;
  const double nn = static_cast<double>(n);
  const double p = static_cast<double>(successes) / nn;
  const double z2 = z * z;
  const double centre = (p + z2 / (2 * nn)) / (1 + z2 / nn);
  const double half = z / (1 + z2 / nn) * std::sqrt(p * (1 - p) / nn + z2 / (4 * nn * nn));
  out.mean = p;
  out.lo = std::max(0.0, centre - half);
  out.hi = std::min(1.0, centre + half);
  out.n = static_cast<int>(std::min<int64_t>(n, INT32_MAX));
  return out;
}

Interval newcombeDifference(int64_t xa, int64_t na, int64_t xb, int64_t nb) {
  Interval out;
  if (na <= 0 || nb <= 0) return out;
  const Interval a = wilsonInterval(xa, na), b = wilsonInterval(xb, nb);
  out.mean = a.mean - b.mean;
  out.lo =
      out.mean - std::sqrt((a.mean - a.lo) * (a.mean - a.lo) + (b.hi - b.mean) * (b.hi - b.mean));
  out.hi =
      out.mean + std::sqrt((a.hi - a.mean) * (a.hi - a.mean) + (b.mean - b.lo) * (b.mean - b.lo));
  out.n = static_cast<int>(std::min<int64_t>(na + nb, INT32_MAX));
  return out;
}

double normalSurvival(double z) { return 0.5 * std::erfc(z / std::sqrt(2.0)); }

double chiSquareSurvival(double x, double df) {
  if (!(df > 0)) return 1.0;  // undefined: treated like "no evidence"
  return regularizedGammaQ(0.5 * df, 0.5 * x);
}

double twoProportionP(int64_t xa, int64_t na, int64_t xb, int64_t nb, double* z) {
  if (z) *z = 0.0;
  if (na <= 0 || nb <= 0) return 1.0;
  const double pa = static_cast<double>(xa) / static_cast<double>(na);
  const double pb = static_cast<double>(xb) / static_cast<double>(nb);
  const double pooled = static_cast<double>(xa + xb) / static_cast<double>(na + nb);
  const double se = std::sqrt(pooled * (1 - pooled) *
                              (1.0 / static_cast<double>(na) + 1.0 / static_cast<double>(nb)));
  if (!(se > 0)) return 1.0;
  const double zz = (pa - pb) / se;
  if (z) *z = zz;
  return std::min(1.0, 2.0 * normalSurvival(std::abs(zz)));
}

std::vector<double> benjaminiHochberg(const std::vector<double>& p) {
  const size_t n = p.size();
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](size_t i, size_t j) { return p[i] < p[j]; });
  std::vector<double> q(n);
  double running = 1.0;
  for (size_t k = n; k-- > 0;) {  // step-up: running minimum from the largest p down
    running = std::min(running, p[order[k]] * static_cast<double>(n) / static_cast<double>(k + 1));
    q[order[k]] = running;
  }
  return q;
}

// --- divergences ---------------------------------------------------------------------------

double klBits(const std::vector<double>& p, const std::vector<double>& q) {
  if (p.size() != q.size()) throw std::invalid_argument("klBits: sizes differ");
  double s = 0.0;
  for (size_t i = 0; i < p.size(); ++i)
    if (p[i] > 0) s += p[i] * std::log2(p[i] / q[i]);
  return s;
}

double jsBits(const std::vector<double>& p, const std::vector<double>& q) {
  if (p.size() != q.size()) throw std::invalid_argument("jsBits: sizes differ");
  std::vector<double> mid(p.size());
  for (size_t i = 0; i < p.size(); ++i) mid[i] = 0.5 * (p[i] + q[i]);
  return std::clamp(0.5 * klBits(p, mid) + 0.5 * klBits(q, mid), 0.0, 1.0);
}

Divergences divergences(const std::vector<int64_t>& a, const std::vector<int64_t>& b,
                        double smoothing) {
  if (a.size() != b.size()) throw std::invalid_argument("divergences: sizes differ");
  Divergences d;
  d.smoothing = smoothing;
  const size_t n = a.size();
  double na = 0, nb = 0;
  for (size_t i = 0; i < n; ++i) {
    na += static_cast<double>(a[i]);
    nb += static_cast<double>(b[i]);
  }
  const double za = na + smoothing * static_cast<double>(n);
  const double zb = nb + smoothing * static_cast<double>(n);
  if (za > 0 && zb > 0) {
    std::vector<double> pa(n), pb(n);
    for (size_t i = 0; i < n; ++i) {
      pa[i] = (static_cast<double>(a[i]) + smoothing) / za;
      pb[i] = (static_cast<double>(b[i]) + smoothing) / zb;
    }
    d.klAB = klBits(pa, pb);
    d.klBA = klBits(pb, pa);
    d.js = jsBits(pa, pb);
  }
  // Chi-square of homogeneity on the raw 2 x k table of cells with a non-zero total.
  int cells = 0;
  double chi2 = 0.0;
  for (size_t i = 0; i < n; ++i) {
    const double t = static_cast<double>(a[i] + b[i]);
    if (t <= 0) continue;
    ++cells;
    if (na > 0 && nb > 0) {
      const double ea = t * na / (na + nb), eb = t * nb / (na + nb);
      chi2 += (a[i] - ea) * (a[i] - ea) / ea + (b[i] - eb) * (b[i] - eb) / eb;
    }
  }
  d.chi2 = chi2;
  d.df = std::max(cells - 1, 0);
  d.chi2P = d.df > 0 && na > 0 && nb > 0 ? chiSquareSurvival(chi2, d.df) : 1.0;
  return d;
}

// --- ranks and quantiles -------------------------------------------------------------------

std::vector<double> averageRanks(const std::vector<double>& x) {
  std::vector<size_t> order(x.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](size_t i, size_t j) { return x[i] < x[j]; });
  std::vector<double> r(x.size());
  for (size_t i = 0; i < order.size();) {
    size_t j = i;
    while (j + 1 < order.size() && x[order[j + 1]] == x[order[i]]) ++j;
    const double avg = 0.5 * static_cast<double>(i + j) + 1.0;
    for (size_t k = i; k <= j; ++k) r[order[k]] = avg;
    i = j + 1;
  }
  return r;
}

double auc(const std::vector<double>& positives, const std::vector<double>& negatives) {
  if (positives.empty() || negatives.empty()) return 0.5;
  std::vector<double> all(positives);
  all.insert(all.end(), negatives.begin(), negatives.end());
  const auto r = averageRanks(all);
  double sum = 0.0;
  for (size_t i = 0; i < positives.size(); ++i) sum += r[i];
  const double np = static_cast<double>(positives.size());
  const double nn = static_cast<double>(negatives.size());
  return (sum - np * (np + 1) / 2) / (np * nn);
}

double spearman(const std::vector<double>& x, const std::vector<double>& y) {
  if (x.size() != y.size()) throw std::invalid_argument("spearman: sizes differ");
  if (x.size() < 2) return 0.0;
  const auto rx = averageRanks(x), ry = averageRanks(y);
  const double mean = 0.5 * static_cast<double>(x.size() + 1);
  double sxy = 0, sxx = 0, syy = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    sxy += (rx[i] - mean) * (ry[i] - mean);
    sxx += (rx[i] - mean) * (rx[i] - mean);
    syy += (ry[i] - mean) * (ry[i] - mean);
  }
  return sxx > 0 && syy > 0 ? sxy / std::sqrt(sxx * syy) : 0.0;
}

double quantileSorted(const std::vector<double>& sorted, double f) {
  if (sorted.empty()) return 0.0;
  const double pos = f * static_cast<double>(sorted.size() - 1);
  const size_t i = static_cast<size_t>(pos);
  if (i + 1 >= sorted.size()) return sorted.back();
  return sorted[i] + (pos - static_cast<double>(i)) * (sorted[i + 1] - sorted[i]);
}

// --- ROC and AUC with a bootstrap CI -------------------------------------------------------

RocAuc rocAuc(const std::vector<double>& scores, const std::vector<uint8_t>& labels, int rocPoints,
              int bootstrap, uint64_t seed) {
  if (scores.size() != labels.size()) throw std::invalid_argument("rocAuc: sizes differ");
  std::vector<std::pair<double, uint8_t>> scored(scores.size());
  for (size_t i = 0; i < scores.size(); ++i) scored[i] = {scores[i], labels[i]};
  std::sort(scored.begin(), scored.end());
  const RankedTest t = rankScored(scored);
  RocAuc r;
  r.auc = weightedAuc(t, std::vector<uint32_t>(scored.size(), 1));
  r.roc = thinRoc(rocCurve(t), rocPoints);
  if (bootstrap > 0) {
    std::vector<double> aucs = bootstrapAucs(t, bootstrap, seed);
    std::sort(aucs.begin(), aucs.end());
    r.lo = quantileSorted(aucs, 0.025);
    r.hi = quantileSorted(aucs, 0.975);
    r.bootstrap = bootstrap;
  } else {
    r.lo = r.hi = r.auc;
  }
  return r;
}

}  // namespace sublab
