// Statistics of one stored run: reads the run's sequences (two sides, by default the kept
// teacher rows against the kept reference rows), computes seq_stats over them, summarises the
// stored per-token log-probabilities and reads the entanglement probe the engine stored.
// Used by `sublab stats` and the app's statistics view. No Qt, no torch.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

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

struct RunStats {
  int64_t runId = 0;
  std::string a, b;  // conditions compared
  SeqStatsReport report;
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

nlohmann::json toJson(const RunStats& stats);

}  // namespace sublab
