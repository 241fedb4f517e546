// Implementation of the small transformer language model (see lm_model.h).
#include "engine/lm/lm_model.h"

#include <cmath>

#include "engine/lm/lm_attention.h"
#include "engine/lm/lm_gelu.h"

namespace sublab {

LoraLinearImpl::LoraLinearImpl(int64_t in, int64_t out) {
  base = register_module("base", torch::nn::Linear(in, out));
}

torch::Tensor LoraLinearImpl::forward(const torch::Tensor& x) {
  // ATen's linear (one addmm with the bias for a contiguous [B, T, in]), not the C++ API's
  // functional linear, which multiplies and then adds the bias in a second pass.
  torch::Tensor y = torch::linear(x, base->weight, base->bias);
  if (m_rank > 0) y = y + torch::matmul(torch::matmul(x, loraA.t()), loraB.t()) * m_scale;
  return y;
}

void LoraLinearImpl::enableLora(int64_t rank, double alpha) {
  const int64_t in = base->weight.size(1), out = base->weight.size(0);
  auto opts = base->weight.options();
  loraA = register_parameter("lora_A", torch::randn({rank, in}, opts) / std::sqrt(double(in)));
  loraB = register_parameter("lora_B", torch::zeros({out, rank}, opts));
  base->weight.set_requires_grad(false);
  base->bias.set_requires_grad(false);
  m_rank = rank;
  m_scale = alpha / double(rank);
}

BlockImpl::BlockImpl(const LmOptions& o) : m_heads(o.heads), m_dHead(o.dModel / o.heads) {
  ln1 = register_module("ln1", torch::nn::LayerNorm(torch::nn::LayerNormOptions({o.dModel})));
  ln2 = register_module("ln2", torch::nn::LayerNorm(torch::nn::LayerNormOptions({o.dModel})));
  qkv = register_module("qkv", LoraLinear(o.dModel, 3 * o.dModel));
  proj = register_module("proj", LoraLinear(o.dModel, o.dModel));
  fc1 = register_module("fc1", LoraLinear(o.dModel, o.mlpRatio * o.dModel));
  fc2 = register_module("fc2", LoraLinear(o.mlpRatio * o.dModel, o.dModel));
}

torch::Tensor BlockImpl::forward(const torch::Tensor& x, torch::Tensor* cacheK,
                                 torch::Tensor* cacheV) {
  const int64_t B = x.size(0), T = x.size(1), D = x.size(2);
  const torch::Tensor projected = qkv->forward(ln1->forward(x));  // [B, T, 3D]
  if (!cacheK && m_fused && causalAttentionApplies(projected, m_heads)) {
    torch::Tensor h = x + proj->forward(causalAttention(projected, m_heads));
    return h + fc2->forward(sublab::gelu(fc1->forward(ln2->forward(h))));
  }
  // The composite form (a cache, another device or dtype): 3 x [B, H, T, dh]
  auto parts = projected.view({B, T, 3, m_heads, m_dHead}).permute({2, 0, 3, 1, 4});
  torch::Tensor q = parts[0], k = parts[1], v = parts[2];
  int64_t past = 0;
  if (cacheK) {
    if (cacheK->defined()) {
      past = cacheK->size(2);
      k = torch::cat({*cacheK, k}, 2);
      v = torch::cat({*cacheV, v}, 2);
    }
    *cacheK = k;
    *cacheV = v;
  }
  const int64_t S = past + T;
  // att: [B, H, T, S]; query t (absolute past + t) may see keys 0..past + t.
  torch::Tensor att = torch::matmul(q, k.transpose(-2, -1)) * (1.0 / std::sqrt(double(m_dHead)));
  if (T > 1) {
    auto mask = torch::ones({T, S}, torch::TensorOptions().dtype(torch::kBool).device(x.device()))
                    .triu(past + 1);
    att = att.masked_fill(mask, -std::numeric_limits<float>::infinity());
  }
  att = torch::softmax(att, -1);
  torch::Tensor y = torch::matmul(att, v).transpose(1, 2).reshape({B, T, D});
  torch::Tensor h = x + proj->forward(y);
  return h + fc2->forward(sublab::gelu(fc1->forward(ln2->forward(h))));
}

TransformerLmImpl::TransformerLmImpl(const LmOptions& o) : m_opt(o) {
  tokEmb = register_module("tok_emb", torch::nn::Embedding(o.vocab, o.dModel));
  posEmb = register_module("pos_emb", torch::nn::Embedding(o.context, o.dModel));
  blocks = register_module("blocks", torch::nn::ModuleList());
  for (int64_t i = 0; i < o.layers; ++i) blocks->push_back(Block(o));
  lnF = register_module("ln_f", torch::nn::LayerNorm(torch::nn::LayerNormOptions({o.dModel})));
  head = register_module("head", torch::nn::Linear(o.dModel, o.vocab));
  // GPT-2 style init: small normal weights, zero biases.
  torch::NoGradGuard ng;
  for (auto& p : named_parameters()) {
    if (p.key().find("bias") != std::string::npos) {
      p.value().zero_();
    } else if (p.key().find("ln") != std::string::npos) {
      // LayerNorm weights stay at 1.
    } else {
      p.value().normal_(0.0, 0.02);
    }
  }
}

torch::Tensor TransformerLmImpl::forward(const torch::Tensor& tokens, KvCache* cache) {
  const int64_t T = tokens.size(1);
  const int64_t past = cache ? cache->length() : 0;
  TORCH_CHECK(past + T <= m_opt.context, "sequence of ", past + T,
              " tokens is longer than the model's context of ", m_opt.context);
  auto pos = torch::arange(past, past + T, tokens.options());
  torch::Tensor x = tokEmb->forward(tokens) + posEmb->forward(pos).unsqueeze(0);
  if (cache && cache->keys.empty()) {
    cache->keys.resize(blocks->size());
    cache->values.resize(blocks->size());
  }
  for (size_t i = 0; i < blocks->size(); ++i) {
    x = blocks[i]->as<Block>()->forward(x, cache ? &cache->keys[i] : nullptr,
                                        cache ? &cache->values[i] : nullptr);
  }
  return torch::linear(lnF->forward(x), head->weight, head->bias);
}

void TransformerLmImpl::enableLora(int64_t rank, double alpha) {
  for (auto& p : parameters()) p.set_requires_grad(false);
  for (size_t i = 0; i < blocks->size(); ++i) {
    auto b = blocks[i]->as<Block>();
    for (auto* l : {&b->qkv, &b->proj, &b->fc1, &b->fc2}) (*l)->enableLora(rank, alpha);
  }
}

void TransformerLmImpl::setFusedAttention(bool on) {
  for (size_t i = 0; i < blocks->size(); ++i) blocks[i]->as<Block>()->setFusedAttention(on);
}

TransformerLm cloneModel(const TransformerLm& m) {
  TransformerLm copy(m->options());
  torch::NoGradGuard ng;
  auto src = m->named_parameters();
  for (auto& p : copy->named_parameters()) {
    const torch::Tensor* s = src.find(p.key());
    TORCH_CHECK(s != nullptr, "cloneModel: parameter ", p.key(), " missing (LoRA not supported)");
    p.value().set_data(s->detach().clone());
  }
  copy->to(m->parameters().front().device());
  return copy;
}

TransformerLm makeModel(const LmOptions& o, uint64_t seed, const torch::Device& device) {
  torch::manual_seed(seed);
  TransformerLm m(o);
  m->to(device);
  return m;
}

}  // namespace sublab
