// A Hugging Face Llama / Qwen2 decoder loaded from a local model folder (config.json +
// safetensors), with a KV cache and batched generation. The engine's API for real chat models:
//
//   auto model = HfModel::load(folder, torch::kCPU);          // validates every tensor
//   auto ids = model->generate(prompts, {.maxNew = 64, .temperature = 1.0}, gen);
//   torch::Tensor logits = model->forward(ids, mask);          // [B, T, vocab] fp32, autograd-able
//
// CPU computes in fp32, CUDA in bf16 (weights are converted from the saved dtype on load).
// LoRA (engine/hf/hf_lora.h) attaches low-rank factors to the linear layers held here.
#pragma once

#include <torch/torch.h>

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "engine/hf/hf_config.h"

namespace sublab::hf {

class SafetensorsCheckpoint;

// y = x Wᵀ + b, plus (x Aᵀ) Bᵀ · scale when a LoRA pair is attached (A: r×in, B: out×r, fp32).
struct HfLinear {
  torch::Tensor weight, bias;
  torch::Tensor loraA, loraB;
  double loraScale = 0.0;
  torch::Tensor operator()(const torch::Tensor& x) const;
};

struct HfLayer {
  torch::Tensor inputNorm, postAttentionNorm;
  HfLinear q, k, v, o, gate, up, down;
};

// Keys and values of every layer for the tokens seen so far, with their attention mask.
struct KvCache {
  std::vector<torch::Tensor> keys, values;  // per layer [B, kvHeads, S, headDim]
  torch::Tensor mask;                       // [B, S] int64, 1 for real tokens
  torch::Tensor nextPosition;               // [B] int64, the position the next real token takes
  int64_t length() const { return mask.defined() ? mask.size(1) : 0; }
};

struct GenerateOptions {
  int64_t maxNew = 32;
  double temperature = 0.0;      // 0: greedy (argmax); > 0: sample softmax(logits / T)
  std::vector<int64_t> stopIds;  // empty: the config's eos ids
  // Checked after every new token (throws sublab::Cancelled); null: not cancellable.
  const std::atomic<bool>* cancel = nullptr;
};

class HfModel {
 public:
  // Reads folder/config.json (+ generation_config.json) and the safetensors weights; checks each
  // tensor's presence, shape and finiteness against the config. Throws sublab::Error.
  static std::unique_ptr<HfModel> load(const std::string& folder, torch::Device device);
  // The same from an already-parsed config and open checkpoint.
  static std::unique_ptr<HfModel> fromCheckpoint(const HfConfig& config,
                                                 const SafetensorsCheckpoint& weights,
                                                 torch::Device device);

  const HfConfig& config() const { return m_config; }
  torch::Device device() const { return m_device; }
  torch::ScalarType dtype() const { return m_dtype; }

  // Logits [B, T, vocab] in fp32 for ids [B, T] (int64). mask [B, T] (1 real, 0 padding; left
  // padding) may be undefined (all real). Positions count real tokens only, as Hugging Face's
  // generate does. With a cache, ids continue the cached tokens and the cache is extended.
  // Not wrapped in NoGradGuard: LoRA training backpropagates through it.
  torch::Tensor forward(const torch::Tensor& ids, const torch::Tensor& mask = {},
                        KvCache* cache = nullptr) const;

  // Continues each prompt (token ids, at least one each) by up to maxNew tokens with a KV cache,
  // prompts left-padded into one batch. A row stops after its first stop id (which is included
  // in its output). Sampling draws from `gen` on the CPU, so a seed gives the same tokens on
  // any device. Returns the new tokens of each prompt.
  std::vector<std::vector<int64_t>> generate(const std::vector<std::vector<int64_t>>& prompts,
                                             const GenerateOptions& options,
                                             at::Generator& gen) const;

  std::vector<HfLayer>& layers() { return m_layers; }
  const std::vector<HfLayer>& layers() const { return m_layers; }

 private:
  HfModel() = default;
  torch::Tensor attention(const HfLayer& l, const torch::Tensor& x, const torch::Tensor& cos,
                          const torch::Tensor& sin, const torch::Tensor& bias, KvCache* cache,
                          size_t layer) const;

  HfConfig m_config;
  torch::Device m_device = torch::kCPU;
  torch::ScalarType m_dtype = torch::kFloat32;
  torch::Tensor m_embed, m_finalNorm, m_lmHead, m_invFreq;
  std::vector<HfLayer> m_layers;
};

}  // namespace sublab::hf
