// Statistics of stored sequences: two sets, each a condition of a run (by default one run's
// kept teacher rows against its kept reference rows; an imported dataset is a run too, so any
// two sets compare), through seq_stats; the stored per-token log-probabilities, the
// entanglement probe of side A's run, and on request the hidden-signal variants
// (hidden_signal.h). Used by `sublab stats` and the app's statistics view. No Qt, no torch.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "engine/seqstats/hidden_signal.h"
#include "engine/seqstats/seq_stats.h"
#include "storage/database.h"

namespace sublab {

struct RunStatsOptions {
  std::string a = "teacher";    // sequence condition of side A
  std::string b = "reference";  // side B
  Verdict verdict = Verdict::Kept;
  std::optional<int> seed;  // unset: every seed pooled
  StatsOptions stats;
};

// One side of a comparison: the rows of a run's condition with a verdict, of one seed or all.
struct SequenceSet {
  int64_t runId = 0;
  std::string condition;
  Verdict verdict = Verdict::Kept;
  std::optional<int> seed;  // unset: every seed pooled

  SequenceSet() = default;
  SequenceSet(int64_t run, std::string cond, Verdict v = Verdict::Kept,
              std::optional<int> s = std::nullopt)
      : runId(run), condition(std::move(cond)), verdict(v), seed(s) {}
};

struct CompareOptions {
  StatsOptions stats;
  bool variants = false;  // also the hidden-signal variants (RunStats::hidden)
};

struct RunStats {
  int64_t runId = 0;  // side A's run (its entanglement probe and contrasts are shown)
  std::string a, b;   // conditions compared
  SequenceSet setA, setB;
  SeqStatsReport report;
  // All features / numbers only x raw / length-matched (CompareOptions::variants).
  std::optional<HiddenSignal> hidden;
  // Per-token teacher vs reference log-probabilities of side A's rows, when stored.
  std::optional<DivergenceSummary> divergence;
  // Of the defended rows (condition "defended"), when the run used the defense.
  std::optional<DivergenceSummary> defended;
  std::optional<EntanglementResult> entanglement;
  // Spearman correlation between each number's entanglement delta and its log2 ratio in the
  // frequency test (does the teacher over-produce the numbers that raise the trait?).
  std::optional<double> entanglementVsFrequency;
  // Spearman correlation between each number's entanglement delta and its mean per-token
  // teacher - reference log-ratio in side A's rows (numbers seen at least 5 times): does the
  // teacher favour, token by token, the numbers that raise the trait?
  std::optional<double> entanglementVsDivergence;
  int64_t entanglementVsDivergenceNumbers = 0;  // numbers in that correlation
  // The run's transfer contrasts (name -> interval) for context: transfer, defended_transfer...
  std::vector<ConditionSummary> contrasts;
  // What could not be computed and why (e.g. "no per-token log-probabilities: the run predates
  // them; rerun it"), one line each.
  std::vector<std::string> notes;
};

// Throws Error (naming the run, the conditions available and what to do) when the run does not
// exist or a side has no rows.
RunStats analyzeRun(Database& db, int64_t runId, const RunStatsOptions& options = {});

// Any two sets, of one run or of two. The same errors as analyzeRun, for either side's run.
// Side labels name the run when the runs differ ("run 3 teacher (kept)").
RunStats compareSets(Database& db, const SequenceSet& a, const SequenceSet& b,
                     const CompareOptions& options = {});

nlohmann::json toJson(const RunStats& stats);

}  // namespace sublab
