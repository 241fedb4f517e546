// LoRA on a Hugging Face decoder (engine/hf/hf_model.h): low-rank factors on q, k, v, o, gate,
// up and down projections (dropout 0), saved and loaded as PEFT does (adapter_model.safetensors
// + adapter_config.json, tensor names
// base_model.model.model.layers.N.self_attn.q_proj.lora_A.weight
// ...), and supervised fine-tuning with a completion-only loss:
//
//   attachLora(*model, {.rank = 8, .alpha = 8}, seed);        // equals the base model at init
//   LoraTrainer trainer(*model, {.lr = 2e-4, .warmupSteps = 5, .totalSteps = 450});
//   double loss = trainer.step({microbatch1, microbatch2});    // accumulates, then one AdamW step
//   saveLoraAdapter(*model, folder, "Qwen/Qwen2.5-7B-Instruct");
//
// LoRA factors are fp32 on the model's device whatever the compute dtype.
#pragma once

#include <torch/torch.h>

#include <string>
#include <utility>
#include <vector>

#include "engine/hf/hf_model.h"

namespace sublab::hf {

struct LoraSettings {
  int64_t rank = 8;
  double alpha = 8.0;
  bool rsLora = false;  // scale alpha / sqrt(rank) instead of alpha / rank (PEFT's use_rslora)
  // PEFT's module names; any subset of the seven.
  std::vector<std::string> targets = {"q_proj",    "k_proj",  "v_proj",   "o_proj",
                                      "gate_proj", "up_proj", "down_proj"};
};

// Attaches fresh factors as PEFT initialises them: A uniform in ±1/sqrt(in) (kaiming_uniform
// with a = sqrt(5)), B zero, so outputs equal the base model's. Replaces any attached LoRA.
void attachLora(HfModel& model, const LoraSettings& settings, uint64_t seed);
void detachLora(HfModel& model);
// The attached factors under PEFT's names (A and B of each targeted module), in name order.
std::vector<std::pair<std::string, torch::Tensor>> loraTensors(const HfModel& model);
// Writes folder/adapter_model.safetensors and folder/adapter_config.json (creates the folder).
void saveLoraAdapter(const HfModel& model, const LoraSettings& settings, const std::string& folder,
                     const std::string& baseModelNameOrPath);
// Reads a PEFT LoRA adapter folder and attaches it; refuses what it cannot apply exactly (DoRA,
// biases, fan_in_fan_out, per-module ranks, modules outside the seven, missing or misshapen
// factors) with one sublab::Error.
LoraSettings loadLoraAdapter(HfModel& model, const std::string& folder);

// One training sequence: token ids and labels of the same length, -100 where no loss is taken
// (the prompt); the loss at position t predicts labels[t] from ids[..t-1], as Hugging Face shifts.
struct TrainExample {
  std::vector<int64_t> ids;
  std::vector<int64_t> labels;
};

struct LoraTrainSettings {
  double lr = 2e-4;
  double beta1 = 0.9, beta2 = 0.999, eps = 1e-8, weightDecay = 0.0;
  int64_t warmupSteps = 0;   // linear warm-up from 0, as transformers' linear schedule
  int64_t totalSteps = 0;    // linear decay to 0 at totalSteps; 0 keeps lr constant after warm-up
  double maxGradNorm = 1.0;  // 0 disables clipping
};

class LoraTrainer {
 public:
  LoraTrainer(HfModel& model, const LoraTrainSettings& settings);
  // Forward and backward each microbatch (right-padded internally), then clip and take one AdamW
  // step. The loss is the mean over all label tokens of the step (tokens, not microbatches, weigh
  // equally, as transformers >= 4.46 does). Returns that loss, measured before the update.
  double step(const std::vector<std::vector<TrainExample>>& microbatches);
  int64_t stepsDone() const { return m_steps; }
  // The learning rate the next step will use.
  double nextLr() const;

 private:
  HfModel& m_model;
  LoraTrainSettings m_settings;
  std::vector<torch::Tensor> m_params;
  std::unique_ptr<torch::optim::AdamW> m_opt;
  int64_t m_steps = 0;
};

// Sum of cross-entropy over label tokens and their count, for a batch (autograd-able; use it
// under NoGradGuard for evaluation).
std::pair<torch::Tensor, int64_t> completionLossSum(const HfModel& model,
                                                    const std::vector<TrainExample>& batch);

}  // namespace sublab::hf
