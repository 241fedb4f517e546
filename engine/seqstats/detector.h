// The detector of seq_stats (logistic regression on a stratified split, held-out AUC with a
// percentile-bootstrap CI) callable alone, with a choice of what it sees of a row:
// hidden_signal.h runs it four ways. compareSequences runs it with all features.
#pragma once

#include <vector>

#include "engine/seqstats/seq_stats.h"

namespace sublab {

// What the detector sees of a row. All: each number's count / row length, and the row length
// (scaled and one-hot). NumbersOnly: the counts / row length alone, no length feature (no
// feature of either kind sees positions). A multiset still implies its size (a row of one
// number has a share of 1), so only on length-matched rows does NumbersOnly see no length.
enum class DetectorFeatures { All, NumbersOnly };

// Split, optimiser and bootstrap from `options` (as compareSequences). Reports chance and says
// so in `features` when a side has fewer than 2 rows.
DetectorResult runDetector(const std::vector<std::vector<int>>& a,
                           const std::vector<std::vector<int>>& b, const StatsOptions& options,
                           DetectorFeatures features = DetectorFeatures::All);

}  // namespace sublab
