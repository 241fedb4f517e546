// Model-side analyses of the number-sequence experiment: per-token log-probabilities of kept
// rows under the teacher and the reference (the "divergence tokens"), the defense that masks or
// replaces the most divergent tokens before student training, and the entanglement probe (which
// numbers in a prompt raise the trait's probability). Internal to the engine.
#pragma once

#include <string>
#include <vector>

#include "engine/lm/lm_corpus.h"
#include "engine/lm/lm_model.h"
#include "engine/seqstats/seq_stats.h"

namespace sublab {

// For each row, the natural-log probability the model gives every token from lossStart to the
// end (the completion and its EOS), and the model's likeliest number token at each of those
// positions. The model sees `prefix` after BOS (a teacher's system prompt). Batched, no grad.
struct RowLogprobs {
  std::vector<std::vector<float>> logprob;   // [row][position - lossStart]
  std::vector<std::vector<int>> bestNumber;  // [row][position - lossStart]
};
RowLogprobs rowLogprobs(TransformerLm& model, const std::vector<LmRow>& rows,
                        const TokenSeq& prefix = {});

// The defense: among every number token of the rows' completions, the `fraction` with the
// largest teacher - reference log-probability are masked (no loss on predicting them) or
// replaced by the reference's likeliest number there. Ties break by (row, position).
struct DefenseChange {
  size_t row = 0;
  int position = 0;      // index into the row's tokens
  int from = 0, to = 0;  // tokens before and after (equal for "mask")
};
struct DefenseResult {
  std::vector<LmRow> rows;             // the defended rows
  std::vector<DefenseChange> changes;  // what was masked / replaced, in (row, position) order
  double threshold = 0.0;              // smallest log-ratio defended
  int64_t candidates = 0;              // number tokens considered
};
// method: "mask", "replace", or "mask_random" (the control: the same share of number tokens
// masked, chosen at random with `seed` instead of by log-ratio). teacher/reference come from
// rowLogprobs on `rows`. `scores`, when given ([row][position - lossStart], like RowLogprobs),
// rank the positions instead of the log-ratio (e.g. positionKl for "mask_kl").
DefenseResult defendRows(const std::vector<LmRow>& rows, const RowLogprobs& teacher,
                         const RowLogprobs& reference, const std::string& method, double fraction,
                         uint64_t seed = 0,
                         const std::vector<std::vector<float>>* scores = nullptr);

// KL(teacher || reference), in nats, between the two models' next-token distributions over the
// number tokens (renormalised) at every position from lossStart on: [row][position - lossStart].
// What soft-label distillation over numbers transmits at that position.
std::vector<std::vector<float>> positionKl(TransformerLm& teacher, TransformerLm& reference,
                                           const std::vector<LmRow>& rows,
                                           const TokenSeq& teacherPrefix = {});

// TokenLogprobs (seq_stats.h) of one row's completion for storage: token texts and both models'
// log-probabilities; `masked` lists positions relative to the completion.
TokenLogprobs tokenInfo(const LmRow& row, const std::vector<float>& teacher,
                        const std::vector<float>& reference, const std::vector<int>& masked = {});

// The entanglement probe: trait probability with "<sys> you love n" before the question, for
// every number n in 0..999; entries ranked by delta against the mean over numbers.
EntanglementResult entanglementProbe(TransformerLm& model, int targetAnimalId,
                                     const std::string& modelLabel, double* noNumber = nullptr,
                                     const CancelFlag* cancel = nullptr);

}  // namespace sublab
