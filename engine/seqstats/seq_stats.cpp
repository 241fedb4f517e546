// Implementation of seq_stats.h: number-frequency tests, distributions, divergences with a
// chi-square test, the logistic-regression detector with a bootstrap AUC CI (per-token
// summaries and the entanglement JSON are in seq_tokens.cpp). Pure C++; the only randomness is a
// SplitMix64 stream seeded from StatsOptions::seed, so results do not depend on the standard
// library's distributions or on the number of threads.
#include "engine/seqstats/seq_stats.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>
#include <stdexcept>
#include <thread>

#include "engine/core/stats.h"
#include "engine/core/seeds.h"

namespace sublab {

namespace {

// SplitMix64: tiny, fast, and the same sequence on every platform.
struct Rng {
  uint64_t s;
  explicit Rng(uint64_t seed) : s(seed) {}
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

template <class T>
void shuffle(std::vector<T>& v, Rng& rng) {
  for (size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[rng.below(i)]);
}

int decimalDigits(int n) { return n >= 100 ? 3 : n >= 10 ? 2 : 1; }

// Value at fraction f of sorted values, linear interpolation between order statistics.
double quantileSorted(const std::vector<double>& sorted, double f) {
  if (sorted.empty()) return 0.0;
  const double pos = f * static_cast<double>(sorted.size() - 1);
  const size_t i = static_cast<size_t>(pos);
  if (i + 1 >= sorted.size()) return sorted.back();
  return sorted[i] + (pos - static_cast<double>(i)) * (sorted[i + 1] - sorted[i]);
}

// Average ranks (1-based), ties share the mean of their positions.
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

// Regularized upper incomplete gamma Q(a, x): series for x < a + 1, Lentz's continued
// fraction otherwise (Numerical Recipes 6.2, with room for the large a of 1000-cell tables).
double upperGammaQ(double a, double x) {
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

// Per-side counts of everything compareSequences reports.
struct SideCounts {
  std::vector<int64_t> numbers = std::vector<int64_t>(kStatsNumbers, 0);
  std::vector<int64_t> first = std::vector<int64_t>(kStatsNumbers, 0);
  std::vector<int64_t> length, digit = std::vector<int64_t>(10, 0),
                               lastDigit = std::vector<int64_t>(10, 0),
                               numDigits = std::vector<int64_t>(4, 0);
  int64_t total = 0;
};

SideCounts countSide(const std::vector<std::vector<int>>& rows, const char* side) {
  SideCounts c;
  size_t maxLen = 0;
  for (const auto& r : rows) maxLen = std::max(maxLen, r.size());
  c.length.assign(maxLen + 1, 0);
  for (size_t i = 0; i < rows.size(); ++i) {
    const auto& r = rows[i];
    c.length[r.size()]++;
    if (!r.empty() && r[0] >= 0 && r[0] < kStatsNumbers) c.first[r[0]]++;
    for (int n : r) {
      if (n < 0 || n >= kStatsNumbers)
        throw Error("compareSequences: row " + std::to_string(i) + " of side " + side +
                    " holds " + std::to_string(n) +
                    ", outside 0..999; parse completions with parseNumbers");
      c.numbers[n]++;
      c.lastDigit[n % 10]++;
      const int nd = decimalDigits(n);
      c.numDigits[nd]++;
      for (int v = n, k = 0; k < nd; ++k, v /= 10) c.digit[v % 10]++;
    }
    c.total += static_cast<int64_t>(r.size());
  }
  return c;
}

// --- detector ---------------------------------------------------------------------------

constexpr int kLenScaled = kStatsNumbers;         // row length / 10
constexpr int kLenOneHot = kStatsNumbers + 1;     // one-hot row length 0..19, 20+ in the last
constexpr int kLenBuckets = 21;
constexpr int kFeatureDims = kLenOneHot + kLenBuckets;

// Rows as sparse feature vectors (CSR): row i's features are [start[i], start[i + 1]).
struct SparseRows {
  std::vector<int64_t> start{0};
  std::vector<int32_t> index;
  std::vector<float> value;
  std::vector<uint8_t> label;
};

void appendRows(SparseRows& m, const std::vector<std::vector<int>>& rows, uint8_t label) {
  std::vector<int> buf;
  for (const auto& r : rows) {
    buf.assign(r.begin(), r.end());
    std::sort(buf.begin(), buf.end());
    const float inv = r.empty() ? 0.0f : 1.0f / static_cast<float>(r.size());
    for (size_t i = 0; i < buf.size();) {
      size_t j = i;
      while (j < buf.size() && buf[j] == buf[i]) ++j;
      m.index.push_back(buf[i]);
      m.value.push_back(static_cast<float>(j - i) * inv);
      i = j;
    }
    m.index.push_back(kLenScaled);
    m.value.push_back(static_cast<float>(r.size()) / 10.0f);
    m.index.push_back(kLenOneHot + static_cast<int>(std::min<size_t>(r.size(), kLenBuckets - 1)));
    m.value.push_back(1.0f);
    m.start.push_back(static_cast<int64_t>(m.index.size()));
    m.label.push_back(label);
  }
}

double rowScore(const SparseRows& m, int64_t row, const std::vector<double>& w, double bias) {
  double s = bias;
  for (int64_t k = m.start[row]; k < m.start[row + 1]; ++k) s += w[m.index[k]] * m.value[k];
  return s;
}

// Held-out items sorted by score once; tie groups let any multiset of them be scored in O(n).
struct RankedTest {
  std::vector<uint8_t> label;      // by sorted position (ascending score)
  std::vector<int32_t> groupEnd;   // for each tie group, one past its last position
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

DetectorResult runDetector(const std::vector<std::vector<int>>& a,
                           const std::vector<std::vector<int>>& b, const StatsOptions& o) {
  DetectorResult d;
  char line[256];
  std::snprintf(line, sizeof line,
                "logistic regression (Adagrad, %d epochs, L2 %g) on counts / row length of "
                "numbers 0..999, row length / 10, one-hot row length (0..19, 20+), bias",
                o.detectorEpochs, o.detectorL2);
  d.features = line;
  if (a.size() < 2 || b.size() < 2) {
    d.features += "; not run: each side needs at least 2 rows";
    return d;
  }
  SparseRows m;
  m.index.reserve((a.size() + b.size()) * 10);
  m.value.reserve((a.size() + b.size()) * 10);
  appendRows(m, a, 1);
  appendRows(m, b, 0);

  // Stratified split: the same share of each side held out, at least one row each way.
  Rng rng(seeds::stream(o.seed, seeds::Stream::DetectorSplit));
  std::vector<int32_t> train, test;
  auto split = [&](int32_t begin, int32_t n) {
    std::vector<int32_t> idx(n);
    std::iota(idx.begin(), idx.end(), begin);
    shuffle(idx, rng);
    int32_t nTest = static_cast<int32_t>(std::llround(o.detectorTestFraction * n));
    nTest = std::clamp(nTest, int32_t{1}, n - 1);
    test.insert(test.end(), idx.begin(), idx.begin() + nTest);
    train.insert(train.end(), idx.begin() + nTest, idx.end());
  };
  split(0, static_cast<int32_t>(a.size()));
  split(static_cast<int32_t>(a.size()), static_cast<int32_t>(b.size()));
  std::sort(test.begin(), test.end());
  d.trainRows = static_cast<int64_t>(train.size());
  d.testRows = static_cast<int64_t>(test.size());

  // Per-sample Adagrad on the log loss; L2 applied to the features a sample touches.
  std::vector<double> w(kFeatureDims, 0.0), g2(kFeatureDims, 0.0);
  double bias = 0.0, g2Bias = 0.0;
  constexpr double kLr = 0.1, kEps = 1e-8;
  for (int epoch = 0; epoch < o.detectorEpochs; ++epoch) {
    shuffle(train, rng);
    for (int32_t r : train) {
      const double s = rowScore(m, r, w, bias);
      const double g = 1.0 / (1.0 + std::exp(-s)) - m.label[r];
      for (int64_t k = m.start[r]; k < m.start[r + 1]; ++k) {
        const int j = m.index[k];
        const double gj = g * m.value[k] + o.detectorL2 * w[j];
        g2[j] += gj * gj;
        w[j] -= kLr * gj / (std::sqrt(g2[j]) + kEps);
      }
      g2Bias += g * g;
      bias -= kLr * g / (std::sqrt(g2Bias) + kEps);
    }
  }

  // Held-out scores, sorted ascending once.
  std::vector<std::pair<double, uint8_t>> scored(test.size());
  for (size_t i = 0; i < test.size(); ++i)
    scored[i] = {rowScore(m, test[i], w, bias), m.label[test[i]]};
  std::sort(scored.begin(), scored.end());
  RankedTest t;
  t.label.resize(scored.size());
  for (int32_t i = 0; i < static_cast<int32_t>(scored.size()); ++i) {
    t.label[i] = scored[i].second;
    (t.label[i] ? t.posIndex : t.negIndex).push_back(i);
    if (i + 1 == static_cast<int32_t>(scored.size()) || scored[i + 1].first != scored[i].first)
      t.groupEnd.push_back(i + 1);
  }
  d.auc = weightedAuc(t, std::vector<uint32_t>(scored.size(), 1));

  // ROC from the highest score down, one point per tie group, thinned to rocPoints.
  std::vector<RocPoint> roc{{0.0, 0.0}};
  {
    const double np = static_cast<double>(t.posIndex.size());
    const double nn = static_cast<double>(t.negIndex.size());
    double tp = 0, fp = 0;
    int32_t end = static_cast<int32_t>(scored.size());
    for (size_t g = t.groupEnd.size(); g-- > 0;) {
      const int32_t begin = g == 0 ? 0 : t.groupEnd[g - 1];
      for (int32_t i = begin; i < end; ++i) (t.label[i] ? tp : fp) += 1;
      roc.push_back({fp / nn, tp / np});
      end = begin;
    }
  }
  const size_t keep = static_cast<size_t>(std::max(2, o.rocPoints));
  if (roc.size() <= keep) {
    d.roc = roc;
  } else {
    for (size_t k = 0; k < keep; ++k)
      d.roc.push_back(roc[static_cast<size_t>(std::llround(static_cast<double>(k) *
                                                            static_cast<double>(roc.size() - 1) /
                                                            static_cast<double>(keep - 1)))]);
  }

  // Percentile bootstrap: positives and negatives resampled separately. Resample i draws from
  // its own stream (seed, i), so the result does not depend on the thread count.
  if (o.bootstrap > 0) {
    std::vector<double> aucs(o.bootstrap);
    const unsigned threads =
        std::max(1u, std::min({std::thread::hardware_concurrency(), 8u,
                               static_cast<unsigned>(o.bootstrap)}));
    auto work = [&](unsigned tid) {
      std::vector<uint32_t> mult(scored.size());
      for (int i = static_cast<int>(tid); i < o.bootstrap; i += static_cast<int>(threads)) {
        std::fill(mult.begin(), mult.end(), 0u);
        // Hashed start: plain seed + i would give overlapping (shifted) SplitMix streams.
        Rng r(Rng(seeds::bootstrapResample(o.seed, static_cast<uint64_t>(i))).next());
        for (size_t k = 0; k < t.posIndex.size(); ++k) mult[t.posIndex[r.below(t.posIndex.size())]]++;
        for (size_t k = 0; k < t.negIndex.size(); ++k) mult[t.negIndex[r.below(t.negIndex.size())]]++;
        aucs[i] = weightedAuc(t, mult);
      }
    };
    std::vector<std::thread> pool;
    for (unsigned k = 1; k < threads; ++k) pool.emplace_back(work, k);
    work(0);
    for (auto& th : pool) th.join();
    std::sort(aucs.begin(), aucs.end());
    d.lo = quantileSorted(aucs, 0.025);
    d.hi = quantileSorted(aucs, 0.975);
    d.bootstrap = o.bootstrap;
  } else {
    d.lo = d.hi = d.auc;
  }

  std::vector<int> byWeight(kStatsNumbers);
  std::iota(byWeight.begin(), byWeight.end(), 0);
  std::stable_sort(byWeight.begin(), byWeight.end(),
                   [&](int x, int y) { return std::abs(w[x]) > std::abs(w[y]); });
  for (int n : byWeight) {
    if (static_cast<int>(d.topWeights.size()) >= o.topK || w[n] == 0.0) break;
    d.topWeights.emplace_back(n, w[n]);
  }
  return d;
}

nlohmann::json sideJson(const SideSummary& s) {
  return {{"label", s.label}, {"rows", s.rows}, {"numbers", s.numbers},
          {"mean_length", s.meanLength}};
}

nlohmann::json divergenceJson(const Divergences& d) {
  return {{"smoothing", d.smoothing}, {"kl_ab", d.klAB}, {"kl_ba", d.klBA}, {"js", d.js},
          {"chi2", d.chi2},           {"df", d.df},      {"chi2_p", d.chi2P}};
}

nlohmann::json numberTestJson(const NumberTest& t) {
  return {{"number", t.number}, {"count_a", t.countA}, {"count_b", t.countB},
          {"p_a", t.pA},        {"p_b", t.pB},         {"log2_ratio", t.log2Ratio},
          {"z", t.z},           {"p", t.p},            {"q", t.q}};
}

nlohmann::json pairJson(const std::vector<int64_t>& a, const std::vector<int64_t>& b) {
  return {{"a", a}, {"b", b}};
}


}  // namespace

int numberToken(const std::string& s) {
  if (s.empty() || s.size() > 3) return -1;
  int v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return -1;
    v = v * 10 + (c - '0');
  }
  return v;
}

// --- parsing ------------------------------------------------------------------------------

std::vector<int> parseNumbers(const std::string& completion) {
  std::vector<int> out;
  const size_t n = completion.size();
  for (size_t i = 0; i < n;) {
    if (completion[i] < '0' || completion[i] > '9') {
      ++i;
      continue;
    }
    size_t j = i;
    int v = 0;
    while (j < n && completion[j] >= '0' && completion[j] <= '9') {
      if (j - i < 3) v = v * 10 + (completion[j] - '0');
      ++j;
    }
    if (j - i <= 3) out.push_back(v);
    i = j;
  }
  return out;
}

// --- primitives ---------------------------------------------------------------------------

double normalSurvival(double z) { return 0.5 * std::erfc(z / std::sqrt(2.0)); }

double chiSquareSurvival(double x, double df) {
  if (!(df > 0)) return 1.0;  // undefined: treated like "no evidence"
  return upperGammaQ(0.5 * df, 0.5 * x);
}

double twoProportionP(int64_t xa, int64_t na, int64_t xb, int64_t nb, double* z) {
  if (z) *z = 0.0;
  if (na <= 0 || nb <= 0) return 1.0;
  const double pa = static_cast<double>(xa) / static_cast<double>(na);
  const double pb = static_cast<double>(xb) / static_cast<double>(nb);
  const double pooled = static_cast<double>(xa + xb) / static_cast<double>(na + nb);
  const double se = std::sqrt(pooled * (1 - pooled) * (1.0 / static_cast<double>(na) +
                                                       1.0 / static_cast<double>(nb)));
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

// --- compareSequences ---------------------------------------------------------------------

SeqStatsReport compareSequences(const std::vector<std::vector<int>>& a,
                                const std::vector<std::vector<int>>& b,
                                const StatsOptions& options) {
  if (a.empty() || b.empty())
    throw Error(std::string("compareSequences: side ") + (a.empty() ? "A" : "B") +
                " has no rows; choose conditions (and a verdict) that have sequences");
  const SideCounts ca = countSide(a, "A"), cb = countSide(b, "B");
  SeqStatsReport r;
  r.a = {"A", static_cast<int64_t>(a.size()), ca.total,
         static_cast<double>(ca.total) / static_cast<double>(a.size())};
  r.b = {"B", static_cast<int64_t>(b.size()), cb.total,
         static_cast<double>(cb.total) / static_cast<double>(b.size())};

  const double s = options.smoothing;
  const double za = static_cast<double>(ca.total) + kStatsNumbers * s;
  const double zb = static_cast<double>(cb.total) + kStatsNumbers * s;
  r.numbers.resize(kStatsNumbers);
  std::vector<double> tested;
  std::vector<int> testedNumbers;
  for (int n = 0; n < kStatsNumbers; ++n) {
    NumberTest& t = r.numbers[n];
    t.number = n;
    t.countA = ca.numbers[n];
    t.countB = cb.numbers[n];
    t.pA = ca.total ? static_cast<double>(t.countA) / static_cast<double>(ca.total) : 0.0;
    t.pB = cb.total ? static_cast<double>(t.countB) / static_cast<double>(cb.total) : 0.0;
    if (za > 0 && zb > 0 && s > 0)
      t.log2Ratio = std::log2((static_cast<double>(t.countA) + s) / za) -
                    std::log2((static_cast<double>(t.countB) + s) / zb);
    else if (t.countA > 0 && t.countB > 0)  // no smoothing: defined where both are seen
      t.log2Ratio = std::log2(t.pA / t.pB);
    t.p = twoProportionP(t.countA, ca.total, t.countB, cb.total, &t.z);
    if (t.countA + t.countB > 0) {
      tested.push_back(t.p);
      testedNumbers.push_back(n);
    } else {
      t.p = 1.0;
    }
  }
  const auto q = benjaminiHochberg(tested);
  for (size_t i = 0; i < q.size(); ++i) r.numbers[testedNumbers[i]].q = q[i];

  // Over / under: seen numbers with a positive / negative ratio, strongest first.
  std::vector<int> over, under;
  for (int n : testedNumbers) {
    if (r.numbers[n].log2Ratio > 0) over.push_back(n);
    if (r.numbers[n].log2Ratio < 0) under.push_back(n);
  }
  auto ratio = [&](int n) { return r.numbers[n].log2Ratio; };
  std::stable_sort(over.begin(), over.end(), [&](int x, int y) { return ratio(x) > ratio(y); });
  std::stable_sort(under.begin(), under.end(), [&](int x, int y) { return ratio(x) < ratio(y); });
  const size_t k = static_cast<size_t>(std::max(0, options.topK));
  r.over.assign(over.begin(), over.begin() + static_cast<std::ptrdiff_t>(std::min(k, over.size())));
  r.under.assign(under.begin(),
                 under.begin() + static_cast<std::ptrdiff_t>(std::min(k, under.size())));

  r.firstA = ca.first;
  r.firstB = cb.first;
  const size_t lengths = std::max(ca.length.size(), cb.length.size());
  r.lengthA = ca.length;
  r.lengthA.resize(lengths, 0);
  r.lengthB = cb.length;
  r.lengthB.resize(lengths, 0);
  r.digitA = ca.digit;
  r.digitB = cb.digit;
  r.lastDigitA = ca.lastDigit;
  r.lastDigitB = cb.lastDigit;
  r.numDigitsA = ca.numDigits;
  r.numDigitsB = cb.numDigits;
  r.divergence = divergences(ca.numbers, cb.numbers, s);
  r.firstDivergence = divergences(ca.first, cb.first, s);
  r.detector = runDetector(a, b, options);
  return r;
}

nlohmann::json toJson(const SeqStatsReport& r) {
  nlohmann::json j;
  j["a"] = sideJson(r.a);
  j["b"] = sideJson(r.b);
  // Full per-number counts (2 x 1000 integers); pA, pB and ratios follow from them and the
  // totals, so the 1000 NumberTest objects are written only for the over/under lists.
  std::vector<int64_t> countA(r.numbers.size()), countB(r.numbers.size());
  for (size_t i = 0; i < r.numbers.size(); ++i) {
    countA[i] = r.numbers[i].countA;
    countB[i] = r.numbers[i].countB;
  }
  j["counts"] = pairJson(countA, countB);
  auto list = [&](const std::vector<int>& ns) {
    nlohmann::json arr = nlohmann::json::array();
    for (int n : ns)
      if (n >= 0 && n < static_cast<int>(r.numbers.size())) arr.push_back(numberTestJson(r.numbers[n]));
    return arr;
  };
  j["over"] = list(r.over);
  j["under"] = list(r.under);
  j["first"] = pairJson(r.firstA, r.firstB);
  j["length"] = pairJson(r.lengthA, r.lengthB);
  j["digit"] = pairJson(r.digitA, r.digitB);
  j["last_digit"] = pairJson(r.lastDigitA, r.lastDigitB);
  j["num_digits"] = pairJson(r.numDigitsA, r.numDigitsB);
  j["divergence"] = divergenceJson(r.divergence);
  j["first_divergence"] = divergenceJson(r.firstDivergence);
  const DetectorResult& d = r.detector;
  nlohmann::json roc = nlohmann::json::array(), weights = nlohmann::json::array();
  for (const auto& p : d.roc) roc.push_back({p.fpr, p.tpr});
  for (const auto& [n, w] : d.topWeights) weights.push_back({n, w});
  j["detector"] = {{"auc", d.auc},          {"lo", d.lo},
                   {"hi", d.hi},            {"train_rows", d.trainRows},
                   {"test_rows", d.testRows}, {"bootstrap", d.bootstrap},
                   {"roc", roc},            {"top_weights", weights},
                   {"features", d.features}};
  return j;
}

}  // namespace sublab
