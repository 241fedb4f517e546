// Training the language model: token cross-entropy on rows (pretraining, the teacher's trait
// fine-tuning, sampled-token SFT students, completion-only via LmRow::lossStart) and soft-label
// distillation from a teacher over the first K logits (K = 1000: the number tokens only;
// K = vocab: everything). Also the shuffled-data controls. Internal to the engine.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "engine/core/common.h"
#include "engine/lm/lm_corpus.h"
#include "engine/lm/lm_model.h"

namespace sublab {

// Rows and, for distillation, the teacher's target distributions aligned with them:
// soft[n][i] is the distribution (over the first K logits) for predicting rows[n].tokens[i+1].
struct TrainSet {
  std::vector<LmRow> rows;
  torch::Tensor soft;        // [N, Tmax - 1, K] float16 on the CPU, or undefined (token targets)
  double temperature = 1.0;  // the soft targets are softmax(logits / T); the student matches at T
};

struct TrainOptions {
  int64_t epochs = 1;
  int64_t maxSteps = 0;  // > 0: stop after this many steps (overrides epochs)
  int64_t batch = 64;
  double lr = 1e-3;
  double weightDecay = 0.0;
  std::string optimizer = "adamw";  // "adamw" | "sgd"
  double warmupFraction = 0.0;      // linear warm-up share of the steps
  bool cosineDecay = false;
  uint64_t seed = 0;      // data order
  int64_t evalEvery = 0;  // > 0: onEval at step 0, every evalEvery steps and at the end
  std::function<void(int64_t step)> onEval;
  std::function<void(double fraction, double loss)> progress;
  // > 0: the training loss as about this many points over the run: onLoss(step, mean loss of
  // the batches since the previous point), every ceil(total / lossPoints) steps and at the end.
  int64_t lossPoints = 0;
  std::function<void(int64_t step, double meanLoss)> onLoss;
  const CancelFlag* cancel = nullptr;
};

// Trains `model` in place (all parameters that require grad). Returns the last batch's loss.
double trainModel(TransformerLm& model, const TrainSet& data, const TrainOptions& options);

// Model input for rows[start, start + count) as a teacher sees them: BOS, `prefix`, then each
// row's tokens after BOS without its last one (only a target), right-padded to
// prefix + Tmax - 1 positions; row token j (j >= 1) is predicted at position prefix + j - 1.
torch::Tensor prefixedInputs(const std::vector<LmRow>& rows, int64_t start, int64_t count,
                             const TokenSeq& prefix, int64_t Tmax, const torch::Device& device);

// The teacher's distributions over the first K logits at every position of each row (the
// teacher sees `teacherPrefix` after BOS; the student will not). Batched, no grad.
TrainSet withSoftTargets(TransformerLm& teacher, const std::vector<LmRow>& rows, int64_t K,
                         const TokenSeq& teacherPrefix = {}, double temperature = 1.0);

// The shuffled controls: numbers of each completion permuted within their row ("within"),
// or pooled over all rows and redistributed ("across"). Separators and lengths stay; each
// number's soft target (the distribution it was drawn from) travels with it.
TrainSet shuffleNumbers(const TrainSet& data, bool across, uint64_t seed);

}  // namespace sublab
