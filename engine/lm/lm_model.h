// A small decoder-only transformer over the Vocab tokens, with optional LoRA adapters on the
// attention and MLP projections (B starts at zero, so an adapter starts as the identity) and a
// key/value cache for generation. Internal to the engine (exposes tensors).
#pragma once

#include <torch/torch.h>

#include <vector>

namespace sublab {

struct LmOptions {
  int64_t vocab = 1050;
  int64_t dModel = 64;
  int64_t layers = 2;
  int64_t heads = 4;
  int64_t context = 48;
  int64_t mlpRatio = 4;
};

// Linear layer with an optional low-rank adapter: y = x W^T + b + (alpha / r) (x A^T) B^T.
class LoraLinearImpl : public torch::nn::Module {
 public:
  LoraLinearImpl(int64_t in, int64_t out);
  torch::Tensor forward(const torch::Tensor& x);
  // Adds A [r, in] ~ N(0, 1/in) (seeded by the caller) and B [out, r] = 0; freezes W and b.
  void enableLora(int64_t rank, double alpha);
  bool hasLora() const { return m_rank > 0; }

  torch::nn::Linear base{nullptr};
  torch::Tensor loraA, loraB;

 private:
  int64_t m_rank = 0;
  double m_scale = 0.0;
};
TORCH_MODULE(LoraLinear);

// Per-layer cached keys and values, each [B, heads, T_past, d_head].
struct KvCache {
  std::vector<torch::Tensor> keys, values;
  int64_t length() const { return keys.empty() || !keys[0].defined() ? 0 : keys[0].size(2); }
};

class BlockImpl : public torch::nn::Module {
 public:
  BlockImpl(const LmOptions& o);
  // x [B, T, d]; cache entries (k, v) are read and replaced when given.
  torch::Tensor forward(const torch::Tensor& x, torch::Tensor* cacheK, torch::Tensor* cacheV);

  torch::nn::LayerNorm ln1{nullptr}, ln2{nullptr};
  LoraLinear qkv{nullptr}, proj{nullptr}, fc1{nullptr}, fc2{nullptr};
  // Without a cache on the CPU in float32, attention is one fused operation (lm_attention.h);
  // false: always the composite form (to check one against the other).
  void setFusedAttention(bool on) { m_fused = on; }

 private:
  int64_t m_heads, m_dHead;
  bool m_fused = true;
};
TORCH_MODULE(Block);

class TransformerLmImpl : public torch::nn::Module {
 public:
  explicit TransformerLmImpl(const LmOptions& o);
  // tokens [B, T] (int64) -> logits [B, T, vocab]. With a cache, tokens continue the cached
  // prefix (positions start at cache->length()) and the cache is extended.
  torch::Tensor forward(const torch::Tensor& tokens, KvCache* cache = nullptr);
  // Freezes every base weight and adds adapters to qkv, proj, fc1 and fc2 of each block.
  void enableLora(int64_t rank, double alpha);
  // Every block's attention fused (the default) or composite (BlockImpl::setFusedAttention).
  void setFusedAttention(bool on);
  const LmOptions& options() const { return m_opt; }

  torch::nn::Embedding tokEmb{nullptr}, posEmb{nullptr};
  torch::nn::ModuleList blocks;
  torch::nn::LayerNorm lnF{nullptr};
  torch::nn::Linear head{nullptr};

 private:
  LmOptions m_opt;
};
TORCH_MODULE(TransformerLm);

// A deep copy with its own parameters (same device). The source must have no LoRA adapters.
TransformerLm cloneModel(const TransformerLm& m);

// Builds a model whose initial weights are fully determined by `seed`.
TransformerLm makeModel(const LmOptions& o, uint64_t seed, const torch::Device& device);

}  // namespace sublab
