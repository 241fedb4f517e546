// Implementation of the per-token part of seq_stats.h: token infos (teacher and reference
// log-probabilities stored with a sequence) to and from JSON, their summary, and the
// entanglement probe's JSON.
#include <algorithm>
#include <cmath>

#include "engine/core/stats.h"
#include "engine/seqstats/seq_stats.h"

namespace sublab {

namespace {

nlohmann::json tokenStatJson(const DivergenceTokenStat& t) {
  return {{"token", t.token},
          {"count", t.count},
          {"mean_log_ratio", t.meanLogRatio},
          {"max_log_ratio", t.maxLogRatio}};
}

// Rounds up to 1, 2, 2.5 or 5 times a power of ten, so histogram edges read well.
double niceCeil(double x) {
  if (!(x > 0)) return 0.1;
  const double p = std::pow(10.0, std::floor(std::log10(x)));
  for (double m : {1.0, 2.0, 2.5, 5.0, 10.0})
    if (m * p >= x * (1 - 1e-12)) return m * p;
  return 10 * p;
}

}  // namespace

// --- per-token log-probabilities ----------------------------------------------------------

TokenLogprobs parseTokenInfo(const std::string& text) {
  const auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded())
    throw Error(
        "token info is not JSON (expected {\"tokens\": [...], \"teacher\": [...], "
        "\"reference\": [...]})");
  if (!j.is_object()) throw Error("token info is not a JSON object");
  TokenLogprobs t;
  if (!j.contains("tokens") || !j["tokens"].is_array())
    throw Error("token info: missing \"tokens\" (an array of strings)");
  for (const auto& tok : j["tokens"]) {
    if (!tok.is_string()) throw Error("token info: \"tokens\" holds a non-string");
    t.tokens.push_back(tok.get<std::string>());
  }
  auto readLogprobs = [&](const char* key, std::vector<double>& out) {
    if (!j.contains(key) || !j[key].is_array())
      throw Error(std::string("token info: missing \"") + key + "\" (an array of numbers)");
    for (const auto& v : j[key]) {
      if (!v.is_number())
        throw Error(std::string("token info: \"") + key + "\" holds a non-number");
      out.push_back(v.get<double>());
    }
    if (out.size() != t.tokens.size())
      throw Error(std::string("token info: \"") + key + "\" has " + std::to_string(out.size()) +
                  " values for " + std::to_string(t.tokens.size()) + " tokens");
  };
  readLogprobs("teacher", t.teacher);
  readLogprobs("reference", t.reference);
  if (j.contains("masked")) {
    if (!j["masked"].is_array()) throw Error("token info: \"masked\" is not an array");
    for (const auto& v : j["masked"]) {
      if (!v.is_number_integer() || v.get<int64_t>() < 0 ||
          v.get<int64_t>() >= static_cast<int64_t>(t.tokens.size()))
        throw Error("token info: \"masked\" holds " + v.dump() + ", not a position in 0.." +
                    std::to_string(static_cast<int64_t>(t.tokens.size()) - 1));
      t.masked.push_back(v.get<int>());
    }
  }
  return t;
}

std::string tokenInfoJson(const TokenLogprobs& t, const nlohmann::json& replaced) {
  nlohmann::json j = {{"tokens", t.tokens},
                      {"teacher", t.teacher},
                      {"reference", t.reference},
                      {"masked", t.masked}};
  if (!replaced.is_null()) j["replaced"] = replaced;
  return j.dump();
}

DivergenceSummary summarizeDivergence(const std::vector<TokenLogprobs>& rows, int topK,
                                      int minCount) {
  DivergenceSummary s;
  s.rows = static_cast<int64_t>(rows.size());
  std::vector<double> ratios, rowMeans;
  std::vector<int64_t> count(kStatsNumbers, 0);
  std::vector<double> sum(kStatsNumbers, 0.0), max(kStatsNumbers, 0.0);
  double total = 0.0;
  int64_t positive = 0;
  for (size_t r = 0; r < rows.size(); ++r) {
    const auto& t = rows[r];
    if (t.teacher.size() != t.tokens.size() || t.reference.size() != t.tokens.size())
      throw Error("summarizeDivergence: row " + std::to_string(r) +
                  " has log-probabilities of a different length than its tokens");
    s.masked += static_cast<int64_t>(t.masked.size());
    double rowSum = 0.0;
    for (size_t i = 0; i < t.tokens.size(); ++i) {
      const double lr = t.teacher[i] - t.reference[i];
      ratios.push_back(lr);
      rowSum += lr;
      positive += lr > 0;
      const int n = numberToken(t.tokens[i]);
      if (n >= 0) {
        max[n] = count[n] ? std::max(max[n], lr) : lr;
        count[n]++;
        sum[n] += lr;
      }
    }
    total += rowSum;
    if (!t.tokens.empty()) rowMeans.push_back(rowSum / static_cast<double>(t.tokens.size()));
  }
  s.tokens = static_cast<int64_t>(ratios.size());
  s.numberCount = count;
  s.numberMeanLogRatio.assign(kStatsNumbers, 0.0);
  for (int n = 0; n < kStatsNumbers; ++n)
    if (count[n] > 0) s.numberMeanLogRatio[n] = sum[n] / static_cast<double>(count[n]);
  if (s.tokens == 0) return s;
  s.meanLogRatio = total / static_cast<double>(s.tokens);
  s.fractionPositive = static_cast<double>(positive) / static_cast<double>(s.tokens);
  s.meanLogRatioCi = meanCi95(rowMeans);

  // 40 bins, symmetric about 0, wide enough for the central 99% of the values; the outer bins
  // also count everything beyond the edges.
  constexpr int kBins = 40;
  auto quant = [&](double f) {
    const size_t i = static_cast<size_t>(f * static_cast<double>(ratios.size() - 1));
    std::nth_element(ratios.begin(), ratios.begin() + static_cast<std::ptrdiff_t>(i), ratios.end());
    return ratios[i];
  };
  const double range = niceCeil(std::max(std::abs(quant(0.005)), std::abs(quant(0.995))));
  const double width = 2 * range / kBins;
  for (int i = 0; i <= kBins; ++i) s.histEdges.push_back(-range + i * width);
  s.hist.assign(kBins, 0);
  for (double x : ratios) {
    const int bin = static_cast<int>(std::floor((x + range) / width));
    s.hist[std::clamp(bin, 0, kBins - 1)]++;
  }

  std::vector<DivergenceTokenStat> stats;
  for (int n = 0; n < kStatsNumbers; ++n)
    if (count[n] > 0 && count[n] >= minCount)
      stats.push_back(
          {std::to_string(n), count[n], sum[n] / static_cast<double>(count[n]), max[n]});
  auto byMean = [](const DivergenceTokenStat& x, const DivergenceTokenStat& y) {
    return x.meanLogRatio > y.meanLogRatio;
  };
  std::stable_sort(stats.begin(), stats.end(), byMean);
  const size_t k = std::min(stats.size(), static_cast<size_t>(std::max(0, topK)));
  s.top.assign(stats.begin(), stats.begin() + static_cast<std::ptrdiff_t>(k));
  std::stable_sort(stats.begin(), stats.end(),
                   [&](const auto& x, const auto& y) { return byMean(y, x); });
  s.bottom.assign(stats.begin(), stats.begin() + static_cast<std::ptrdiff_t>(k));
  return s;
}

nlohmann::json toJson(const DivergenceSummary& s) {
  nlohmann::json top = nlohmann::json::array(), bottom = nlohmann::json::array();
  for (const auto& t : s.top) top.push_back(tokenStatJson(t));
  for (const auto& t : s.bottom) bottom.push_back(tokenStatJson(t));
  return {{"rows", s.rows},
          {"tokens", s.tokens},
          {"masked", s.masked},
          {"mean_log_ratio", s.meanLogRatio},
          {"mean_log_ratio_ci",
           {{"mean", s.meanLogRatioCi.mean},
            {"lo", s.meanLogRatioCi.lo},
            {"hi", s.meanLogRatioCi.hi},
            {"n", s.meanLogRatioCi.n}}},
          {"fraction_positive", s.fractionPositive},
          {"hist_edges", s.histEdges},
          {"hist", s.hist},
          {"top", top},
          {"bottom", bottom}};
}

// --- entanglement -------------------------------------------------------------------------

nlohmann::json toJson(const EntanglementResult& e) {
  nlohmann::json entries = nlohmann::json::array();
  for (const auto& x : e.entries)
    entries.push_back({{"number", x.number}, {"trait_prob", x.traitProb}, {"delta", x.delta}});
  return {{"model", e.model}, {"prompt", e.prompt}, {"baseline", e.baseline}, {"entries", entries}};
}

EntanglementResult entanglementFromJson(const nlohmann::json& j) {
  const std::string what = "entanglement analysis: ";
  if (!j.is_object()) throw Error(what + "not a JSON object");
  EntanglementResult e;
  auto str = [&](const char* key) {
    if (!j.contains(key) || !j[key].is_string())
      throw Error(what + "missing \"" + key + "\" (a string)");
    return j[key].get<std::string>();
  };
  e.model = str("model");
  e.prompt = str("prompt");
  if (!j.contains("baseline") || !j["baseline"].is_number())
    throw Error(what + "missing \"baseline\" (a number)");
  e.baseline = j["baseline"].get<double>();
  if (!j.contains("entries") || !j["entries"].is_array())
    throw Error(what + "missing \"entries\" (an array)");
  for (size_t i = 0; i < j["entries"].size(); ++i) {
    const auto& x = j["entries"][i];
    const std::string at = what + "entry " + std::to_string(i) + ": ";
    if (!x.is_object()) throw Error(at + "not an object");
    if (!x.contains("number") || !x["number"].is_number_integer() ||
        x["number"].get<int64_t>() < 0 || x["number"].get<int64_t>() >= kStatsNumbers)
      throw Error(at + "\"number\" must be an integer in 0..999");
    for (const char* key : {"trait_prob", "delta"})
      if (!x.contains(key) || !x[key].is_number())
        throw Error(at + "missing \"" + key + "\" (a number)");
    e.entries.push_back(
        {x["number"].get<int>(), x["trait_prob"].get<double>(), x["delta"].get<double>()});
  }
  std::stable_sort(e.entries.begin(), e.entries.end(),
                   [](const auto& x, const auto& y) { return x.delta > y.delta; });
  return e;
}

}  // namespace sublab
