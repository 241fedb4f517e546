// Small statistics used for summaries: mean with a t-based 95% CI, paired differences.
// Pure C++ (no torch) so storage, the CLI and tests can use it directly.
#pragma once

#include <vector>

#include "engine/core/common.h"

namespace sublab {

// Two-sided 97.5% quantile of Student's t with `df` degrees of freedom (df >= 1).
double tQuantile975(int df);

// Mean and 95% CI. n == 1 gives lo == hi == mean; n == 0 gives zeros.
Interval meanCi95(const std::vector<double>& xs);

// Element-wise a - b (same length, paired by index), then meanCi95.
Interval pairedDifferenceCi95(const std::vector<double>& a, const std::vector<double>& b);

}  // namespace sublab
