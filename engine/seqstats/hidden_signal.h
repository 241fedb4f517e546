// Is the signal really hidden? The detector of seq_stats in four variants side by side: all
// features (number shares and row length) or numbers only, each on the raw sets and on the sets
// length-matched (length_match.h), with the held-out AUC and its bootstrap CI and the rows per
// side; and a verdict read from the numbers-only, length-matched variant. Pure C++.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "engine/seqstats/detector.h"
#include "engine/seqstats/length_match.h"
#include "engine/seqstats/seq_stats.h"

namespace sublab {

struct DetectorVariant {
  DetectorFeatures features = DetectorFeatures::All;
  bool lengthMatched = false;
  int64_t rowsA = 0, rowsB = 0;  // rows each side had (after matching, when matched)
  DetectorResult detector;
};

enum class HiddenVerdict {
  Undetermined,  // too few length-matched rows to run the detector
  Detected,      // numbers only, length-matched: CI above 0.5
  NotDetected,   // the CI includes 0.5
  BelowChance,   // the CI is below 0.5 (no evidence of a difference either)
};

struct HiddenSignal {
  // All / raw, numbers only / raw, all / length-matched, numbers only / length-matched.
  std::vector<DetectorVariant> variants;
  int64_t matchedBins = 0, oneSidedBins = 0;  // length bins seen, and of those dropped
  HiddenVerdict verdict = HiddenVerdict::Undetermined;
};

// Runs the four variants (the detector's options from `options`; the length match is seeded
// with options.seed, one bin per length). `allRaw`, when given, is the all-features detector
// already run on these raw sets with these options (compareSequences' report.detector) and is
// reused instead of run again.
HiddenSignal hiddenSignal(const std::vector<std::vector<int>>& a,
                          const std::vector<std::vector<int>>& b, const StatsOptions& options,
                          const DetectorResult* allRaw = nullptr);

// "all features" / "numbers only".
std::string featuresName(DetectorFeatures f);
// The verdict in one honest line, with the figures it rests on.
std::string hiddenVerdictLine(const HiddenSignal& h);
nlohmann::json toJson(const HiddenSignal& h);

}  // namespace sublab
