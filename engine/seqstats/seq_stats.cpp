// Implementation of seq_stats.h: number-frequency tests, distributions, divergences with a
// chi-square test, the logistic-regression detector with a bootstrap AUC CI (per-token
// summaries and the entanglement JSON are in seq_tokens.cpp; the generic primitives in
// engine/core/stats.cpp). Pure C++; the only randomness is SplitMix64 streams seeded from
// StatsOptions::seed, so results do not depend on the standard library or the thread count.
#include "engine/seqstats/seq_stats.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>

#include "engine/core/seeds.h"
#include "engine/core/stats.h"
#include "engine/seqstats/detector.h"

namespace sublab {

namespace {

int decimalDigits(int n) { return n >= 100 ? 3 : n >= 10 ? 2 : 1; }

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
        throw Error("compareSequences: row " + std::to_string(i) + " of side " + side + " holds " +
                    std::to_string(n) + ", outside 0..999; parse completions with parseNumbers");
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

// One NumberTest per number (smoothing s for the ratios), with Benjamini-Hochberg q over the
// numbers seen on either side; returns those numbers, ascending.
std::vector<int> testNumbers(const SideCounts& ca, const SideCounts& cb, double s,
                             std::vector<NumberTest>& numbers) {
  const double za = static_cast<double>(ca.total) + kStatsNumbers * s;
  const double zb = static_cast<double>(cb.total) + kStatsNumbers * s;
  numbers.resize(kStatsNumbers);
  std::vector<double> tested;
  std::vector<int> testedNumbers;
  for (int n = 0; n < kStatsNumbers; ++n) {
    NumberTest& t = numbers[n];
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
  for (size_t i = 0; i < q.size(); ++i) numbers[testedNumbers[i]].q = q[i];
  return testedNumbers;
}

// Over / under: tested numbers with a positive / negative ratio, strongest first, at most topK.
void rankOverUnder(const std::vector<NumberTest>& numbers, const std::vector<int>& tested, int topK,
                   std::vector<int>& overOut, std::vector<int>& underOut) {
  std::vector<int> over, under;
  for (int n : tested) {
    if (numbers[n].log2Ratio > 0) over.push_back(n);
    if (numbers[n].log2Ratio < 0) under.push_back(n);
  }
  auto ratio = [&](int n) { return numbers[n].log2Ratio; };
  std::stable_sort(over.begin(), over.end(), [&](int x, int y) { return ratio(x) > ratio(y); });
  std::stable_sort(under.begin(), under.end(), [&](int x, int y) { return ratio(x) < ratio(y); });
  const size_t k = static_cast<size_t>(std::max(0, topK));
  overOut.assign(over.begin(),
                 over.begin() + static_cast<std::ptrdiff_t>(std::min(k, over.size())));
  underOut.assign(under.begin(),
                  under.begin() + static_cast<std::ptrdiff_t>(std::min(k, under.size())));
}

// --- detector ---------------------------------------------------------------------------

constexpr int kLenScaled = kStatsNumbers;      // row length / 10
constexpr int kLenOneHot = kStatsNumbers + 1;  // one-hot row length 0..19, 20+ in the last
constexpr int kLenBuckets = 21;
constexpr int kFeatureDims = kLenOneHot + kLenBuckets;

// Rows as sparse feature vectors (CSR): row i's features are [start[i], start[i + 1]).
struct SparseRows {
  std::vector<int64_t> start{0};
  std::vector<int32_t> index;
  std::vector<float> value;
  std::vector<uint8_t> label;
};

void appendRows(SparseRows& m, const std::vector<std::vector<int>>& rows, uint8_t label,
                bool lengthFeatures) {
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
    if (lengthFeatures) {
      m.index.push_back(kLenScaled);
      m.value.push_back(static_cast<float>(r.size()) / 10.0f);
      m.index.push_back(kLenOneHot + static_cast<int>(std::min<size_t>(r.size(), kLenBuckets - 1)));
      m.value.push_back(1.0f);
    }
    m.start.push_back(static_cast<int64_t>(m.index.size()));
    m.label.push_back(label);
  }
}

double rowScore(const SparseRows& m, int64_t row, const std::vector<double>& w, double bias) {
  double s = bias;
  for (int64_t k = m.start[row]; k < m.start[row + 1]; ++k) s += w[m.index[k]] * m.value[k];
  return s;
}

// A stratified split: the same share of each side held out, at least one row each way.
// Indices of a's rows are 0..na-1, b's na..na+nb-1; the test set comes back sorted.
void splitStratified(int32_t na, int32_t nb, double testFraction, SplitMix64& rng,
                     std::vector<int32_t>& train, std::vector<int32_t>& test) {
  auto split = [&](int32_t begin, int32_t n) {
    std::vector<int32_t> idx(n);
    std::iota(idx.begin(), idx.end(), begin);
    shuffle(idx, rng);
    int32_t nTest = static_cast<int32_t>(std::llround(testFraction * n));
    nTest = std::clamp(nTest, int32_t{1}, n - 1);
    test.insert(test.end(), idx.begin(), idx.begin() + nTest);
    train.insert(train.end(), idx.begin() + nTest, idx.end());
  };
  split(0, na);
  split(na, nb);
  std::sort(test.begin(), test.end());
}

struct Logistic {
  std::vector<double> w = std::vector<double>(kFeatureDims, 0.0);
  double bias = 0.0;
};

// Per-sample Adagrad on the log loss over the training rows (shuffled each epoch); L2 applied
// to the features a sample touches.
Logistic trainLogistic(const SparseRows& m, std::vector<int32_t>& train, const StatsOptions& o,
                       SplitMix64& rng) {
  Logistic model;
  std::vector<double>& w = model.w;
  std::vector<double> g2(kFeatureDims, 0.0);
  double g2Bias = 0.0;
  constexpr double kLr = 0.1, kEps = 1e-8;
  for (int epoch = 0; epoch < o.detectorEpochs; ++epoch) {
    shuffle(train, rng);
    for (int32_t r : train) {
      const double s = rowScore(m, r, w, model.bias);
      const double g = 1.0 / (1.0 + std::exp(-s)) - m.label[r];
      for (int64_t k = m.start[r]; k < m.start[r + 1]; ++k) {
        const int j = m.index[k];
        const double gj = g * m.value[k] + o.detectorL2 * w[j];
        g2[j] += gj * gj;
        w[j] -= kLr * gj / (std::sqrt(g2[j]) + kEps);
      }
      g2Bias += g * g;
      model.bias -= kLr * g / (std::sqrt(g2Bias) + kEps);
    }
  }
  return model;
}

// Numbers with the largest |weight| (non-zero), signed, at most topK.
std::vector<std::pair<int, double>> topWeights(const std::vector<double>& w, int topK) {
  std::vector<int> byWeight(kStatsNumbers);
  std::iota(byWeight.begin(), byWeight.end(), 0);
  std::stable_sort(byWeight.begin(), byWeight.end(),
                   [&](int x, int y) { return std::abs(w[x]) > std::abs(w[y]); });
  std::vector<std::pair<int, double>> out;
  for (int n : byWeight) {
    if (static_cast<int>(out.size()) >= topK || w[n] == 0.0) break;
    out.emplace_back(n, w[n]);
  }
  return out;
}

}  // namespace

DetectorResult runDetector(const std::vector<std::vector<int>>& a,
                           const std::vector<std::vector<int>>& b, const StatsOptions& o,
                           DetectorFeatures features) {
  DetectorResult d;
  const bool lengthFeatures = features == DetectorFeatures::All;
  char line[256];
  std::snprintf(line, sizeof line,
                "logistic regression (Adagrad, %d epochs, L2 %g) on counts / row length of "
                "numbers 0..999%s, bias",
                o.detectorEpochs, o.detectorL2,
                lengthFeatures ? ", row length / 10, one-hot row length (0..19, 20+)"
                               : " (numbers only: no length feature)");
  d.features = line;
  if (a.size() < 2 || b.size() < 2) {
    d.features += "; not run: each side needs at least 2 rows";
    return d;
  }
  SparseRows m;
  m.index.reserve((a.size() + b.size()) * 10);
  m.value.reserve((a.size() + b.size()) * 10);
  appendRows(m, a, 1, lengthFeatures);
  appendRows(m, b, 0, lengthFeatures);

  // One stream for the split and then the optimiser's order (the order of draws is fixed).
  SplitMix64 rng(seeds::stream(o.seed, seeds::Stream::DetectorSplit));
  std::vector<int32_t> train, test;
  splitStratified(static_cast<int32_t>(a.size()), static_cast<int32_t>(b.size()),
                  o.detectorTestFraction, rng, train, test);
  d.trainRows = static_cast<int64_t>(train.size());
  d.testRows = static_cast<int64_t>(test.size());
  const Logistic model = trainLogistic(m, train, o, rng);

  std::vector<double> scores(test.size());
  std::vector<uint8_t> labels(test.size());
  for (size_t i = 0; i < test.size(); ++i) {
    scores[i] = rowScore(m, test[i], model.w, model.bias);
    labels[i] = m.label[test[i]];
  }
  const RocAuc held = rocAuc(scores, labels, o.rocPoints, o.bootstrap, o.seed);
  d.auc = held.auc;
  d.lo = held.lo;
  d.hi = held.hi;
  d.bootstrap = held.bootstrap;
  d.roc = held.roc;
  d.topWeights = topWeights(model.w, o.topK);
  return d;
}

namespace {

nlohmann::json sideJson(const SideSummary& s) {
  return {
      {"label", s.label}, {"rows", s.rows}, {"numbers", s.numbers}, {"mean_length", s.meanLength}};
}

nlohmann::json divergenceJson(const Divergences& d) {
  return {{"smoothing", d.smoothing}, {"kl_ab", d.klAB}, {"kl_ba", d.klBA},  {"js", d.js},
          {"chi2", d.chi2},           {"df", d.df},      {"chi2_p", d.chi2P}};
}

nlohmann::json numberTestJson(const NumberTest& t) {
  return {{"number", t.number},
          {"count_a", t.countA},
          {"count_b", t.countB},
          {"p_a", t.pA},
          {"p_b", t.pB},
          {"log2_ratio", t.log2Ratio},
          {"z", t.z},
          {"p", t.p},
          {"q", t.q}};
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
  const std::vector<int> tested = testNumbers(ca, cb, s, r.numbers);
  rankOverUnder(r.numbers, tested, options.topK, r.over, r.under);

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
      if (n >= 0 && n < static_cast<int>(r.numbers.size()))
        arr.push_back(numberTestJson(r.numbers[n]));
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
  j["detector"] = {{"auc", d.auc},
                   {"lo", d.lo},
                   {"hi", d.hi},
                   {"train_rows", d.trainRows},
                   {"test_rows", d.testRows},
                   {"bootstrap", d.bootstrap},
                   {"roc", roc},
                   {"top_weights", weights},
                   {"features", d.features}};
  return j;
}

}  // namespace sublab
