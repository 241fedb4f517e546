// Implementation of hidden_signal.h: the sets are length-matched once, then the four detector
// runs are independent (each with the same seeded split and bootstrap options) and run on
// threads of their own; the results do not depend on the thread count.
#include "engine/seqstats/hidden_signal.h"

#include <cstdio>
#include <future>

namespace sublab {

namespace {

std::string auc(const DetectorResult& d) {
  char buf[96];
  std::snprintf(buf, sizeof buf, "AUC %.3f [%.3f, %.3f]", d.auc, d.lo, d.hi);
  return buf;
}

HiddenVerdict verdictOf(const DetectorVariant& v) {
  if (v.detector.bootstrap == 0 && v.detector.testRows == 0) return HiddenVerdict::Undetermined;
  if (v.detector.lo > 0.5) return HiddenVerdict::Detected;
  if (v.detector.hi < 0.5) return HiddenVerdict::BelowChance;
  return HiddenVerdict::NotDetected;
}

}  // namespace

std::string featuresName(DetectorFeatures f) {
  return f == DetectorFeatures::All ? "all features" : "numbers only";
}

HiddenSignal hiddenSignal(const std::vector<std::vector<int>>& a,
                          const std::vector<std::vector<int>>& b, const StatsOptions& options,
                          const DetectorResult* allRaw) {
  LengthMatchOptions lm;
  lm.seed = options.seed;
  const LengthMatch match = matchLengths(rowLengths(a), rowLengths(b), lm);
  const auto matchedA = selectRows(a, match.keptA), matchedB = selectRows(b, match.keptB);
  HiddenSignal h;
  h.matchedBins = match.bins;
  h.oneSidedBins = match.oneSidedBins;
  for (bool matched : {false, true})
    for (DetectorFeatures f : {DetectorFeatures::All, DetectorFeatures::NumbersOnly}) {
      DetectorVariant v;
      v.features = f;
      v.lengthMatched = matched;
      v.rowsA = static_cast<int64_t>(matched ? matchedA.size() : a.size());
      v.rowsB = static_cast<int64_t>(matched ? matchedB.size() : b.size());
      h.variants.push_back(v);
    }
  std::vector<std::future<DetectorResult>> runs(h.variants.size());
  for (size_t i = 0; i < h.variants.size(); ++i) {
    const DetectorVariant& v = h.variants[i];
    if (i == 0 && allRaw) continue;
    const auto* sa = v.lengthMatched ? &matchedA : &a;
    const auto* sb = v.lengthMatched ? &matchedB : &b;
    const DetectorFeatures f = v.features;
    runs[i] = std::async(std::launch::async,
                         [sa, sb, &options, f] { return runDetector(*sa, *sb, options, f); });
  }
  for (size_t i = 0; i < h.variants.size(); ++i)
    h.variants[i].detector = runs[i].valid() ? runs[i].get() : *allRaw;
  h.verdict = verdictOf(h.variants.back());
  return h;
}

std::string hiddenVerdictLine(const HiddenSignal& h) {
  if (h.variants.size() != 4) return "hidden? not computed";
  const DetectorVariant& nm = h.variants[3];
  const DetectorVariant& raw = h.variants[0];
  const std::string n = std::to_string(nm.rowsA) + " rows per side";
  switch (h.verdict) {
    case HiddenVerdict::Undetermined:
      return "hidden? undetermined: length matching left " + n +
             ", too few for the detector; compare larger sets";
    case HiddenVerdict::Detected:
      return "hidden? no: with length removed (numbers only, length-matched, " + n +
             ") the detector still tells A from B, " + auc(nm.detector);
    case HiddenVerdict::BelowChance:
      return "hidden? no evidence of a difference: numbers only, length-matched (" + n + "), " +
             auc(nm.detector) + " is below chance (a split artefact, not a signal)";
    case HiddenVerdict::NotDetected:
      break;
  }
  return "hidden? not detected by this detector: numbers only, length-matched (" + n + "), " +
         auc(nm.detector) + " includes 0.5" +
         (raw.detector.lo > 0.5 ? " (all features on the raw rows: " + auc(raw.detector) +
                                      ", so the visible difference is length)"
                                : std::string()) +
         "; a stronger detector or more rows might still find one";
}

nlohmann::json toJson(const HiddenSignal& h) {
  nlohmann::json variants = nlohmann::json::array();
  for (const auto& v : h.variants)
    variants.push_back({{"features", featuresName(v.features)},
                        {"length_matched", v.lengthMatched},
                        {"rows_a", v.rowsA},
                        {"rows_b", v.rowsB},
                        {"auc", v.detector.auc},
                        {"lo", v.detector.lo},
                        {"hi", v.detector.hi},
                        {"test_rows", v.detector.testRows},
                        {"bootstrap", v.detector.bootstrap},
                        {"detector", v.detector.features}});
  static const char* const kVerdicts[] = {"undetermined", "detected", "not_detected",
                                          "below_chance"};
  return {{"variants", variants},
          {"length_bins", h.matchedBins},
          {"one_sided_bins", h.oneSidedBins},
          {"verdict", kVerdicts[static_cast<int>(h.verdict)]},
          {"verdict_line", hiddenVerdictLine(h)}};
}

}  // namespace sublab
