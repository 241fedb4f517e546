// The Statistics view's verdict in plain words, computed from the figures the view shows: can
// the detector tell side A from side B (its held-out AUC and bootstrap CI against 0.5), and
// where the rows differ (numbers per row, numbers used more or less often, first numbers,
// token-level preference), each with its estimate and uncertainty, the clearest first. Says so
// plainly when nothing is detectable. A free function so it can be tested alone.
#pragma once

#include <QString>

#include "app/lab/run_stats.h"

namespace sublab::ui {

// The threshold of every "differs" below: p (or BH q) < 0.05.
inline constexpr double kWordsAlpha = 0.05;

// Numbers per row of both sides from their length distributions: the difference A - B with a
// normal-approximation 95% CI (Welch standard error) and its two-sided p-value.
struct LengthDifference {
  double meanA = 0, meanB = 0;
  double diff = 0, lo = 0, hi = 0, p = 1;
};
LengthDifference lengthDifference(const sublab::SeqStatsReport& r);

// Rich text, a few sentences (the figures in it as aucText and the tables write them).
QString statsInWords(const sublab::RunStats& s);

}  // namespace sublab::ui
