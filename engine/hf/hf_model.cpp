#include "engine/hf/hf_model.h"

#include <cmath>
#include <sstream>

#include "engine/core/common.h"
#include "engine/hf/safetensors.h"

namespace sublab::hf {

namespace {

namespace F = torch::nn::functional;

std::string shapeText(const std::vector<int64_t>& s) {
  std::ostringstream o;
  o << "[";
  for (size_t i = 0; i < s.size(); ++i) o << (i ? ", " : "") << s[i];
  o << "]";
  return o.str();
}

// Loads one tensor after checking that it exists, has the shape the config implies and holds
// only finite numbers.
torch::Tensor take(const SafetensorsCheckpoint& w, const std::string& name,
                   const std::vector<int64_t>& shape, torch::ScalarType dtype,
                   torch::Device device) {
  if (!w.has(name))
    throw Error("checkpoint " + w.source() + " lacks tensor '" + name +
                "', which config.json's architecture needs (incomplete download or another "
                "architecture?)");
  if (w.info(name).shape != shape)
    throw Error("tensor '" + name + "' in " + w.source() + " has shape " +
                shapeText(w.info(name).shape) + " but config.json implies " + shapeText(shape) +
                " (config.json and the weights do not belong together)");
  torch::Tensor t = w.load(name, torch::kFloat32);
  if (!torch::isfinite(t).all().item<bool>())
    throw Error("tensor '" + name + "' in " + w.source() +
                " holds NaN or infinite values; the checkpoint is unusable");
  return t.to(device, dtype);
}

// Inverse frequencies of the rotary embedding, with Llama 3's frequency-dependent scaling.
torch::Tensor inverseFrequencies(const HfConfig& c) {
  const int64_t half = c.headDim / 2;
  std::vector<double> f(size_t(half), 0.0);
  for (int64_t i = 0; i < half; ++i) {
    double inv = 1.0 / std::pow(c.ropeTheta, double(2 * i) / double(c.headDim));
    if (c.ropeLlama3) {
      const double wavelen = 2 * M_PI / inv;
      const double lowWl = double(c.ropeOriginalMaxPos) / c.ropeLowFreqFactor;
      const double highWl = double(c.ropeOriginalMaxPos) / c.ropeHighFreqFactor;
      if (wavelen > lowWl) {
        inv /= c.ropeFactor;
      } else if (wavelen >= highWl) {
        const double smooth = (double(c.ropeOriginalMaxPos) / wavelen - c.ropeLowFreqFactor) /
                              (c.ropeHighFreqFactor - c.ropeLowFreqFactor);
        inv = (1 - smooth) * inv / c.ropeFactor + smooth * inv;
      }
    }
    f[size_t(i)] = inv;
  }
  // Hugging Face computes these in fp32; round the same way.
  return torch::tensor(f, torch::kFloat64).to(torch::kFloat32);
}

torch::Tensor rmsNorm(const torch::Tensor& x, const torch::Tensor& w, double eps) {
  torch::Tensor xf = x.to(torch::kFloat32);
  xf = xf * torch::rsqrt(xf.pow(2).mean(-1, true) + eps);
  return w * xf.to(x.scalar_type());
}

torch::Tensor rotateHalf(const torch::Tensor& x) {
  const int64_t h = x.size(-1) / 2;
  return torch::cat({-x.narrow(-1, h, h), x.narrow(-1, 0, h)}, -1);
}

}  // namespace

torch::Tensor HfLinear::operator()(const torch::Tensor& x) const {
  // ATen's linear: one addmm with the bias (the C++ API's F::linear adds it in a second pass).
  torch::Tensor y = torch::linear(x, weight, bias);
  if (loraA.defined()) {
    torch::Tensor d = F::linear(F::linear(x.to(loraA.scalar_type()), loraA), loraB);
    // PEFT's order (B(A x)) * scale; the paper's alpha == rank makes the scale 1, and skipping
    // that multiply (exact) saves an elementwise pass over the output, forward and backward.
    if (loraScale != 1.0) d = d * loraScale;
    y = y + d.to(y.scalar_type());
  }
  return y;
}

std::unique_ptr<HfModel> HfModel::load(const std::string& folder, torch::Device device) {
  const HfConfig config = readHfConfig(folder);
  const SafetensorsCheckpoint weights = SafetensorsCheckpoint::openFolder(folder);
  return fromCheckpoint(config, weights, device);
}

std::unique_ptr<HfModel> HfModel::fromCheckpoint(const HfConfig& c, const SafetensorsCheckpoint& w,
                                                 torch::Device device) {
  std::unique_ptr<HfModel> m(new HfModel());
  m->m_config = c;
  m->m_device = device;
  m->m_dtype = device.is_cuda() ? torch::kBFloat16 : torch::kFloat32;
  const auto dt = m->m_dtype;
  const int64_t h = c.hiddenSize, q = c.numHeads * c.headDim, kv = c.numKvHeads * c.headDim,
                i = c.intermediateSize;
  m->m_embed = take(w, "model.embed_tokens.weight", {c.vocabSize, h}, dt, device);
  m->m_finalNorm = take(w, "model.norm.weight", {h}, dt, device);
  // Tied checkpoints may still carry an lm_head copy; Hugging Face ignores it, so do we.
  m->m_lmHead =
      c.tieWordEmbeddings ? m->m_embed : take(w, "lm_head.weight", {c.vocabSize, h}, dt, device);
  auto linear = [&](const std::string& p, int64_t out, int64_t in, bool bias) {
    HfLinear l;
    l.weight = take(w, p + ".weight", {out, in}, dt, device);
    if (bias) l.bias = take(w, p + ".bias", {out}, dt, device);
    return l;
  };
  for (int64_t n = 0; n < c.numLayers; ++n) {
    const std::string p = "model.layers." + std::to_string(n) + ".";
    HfLayer l;
    l.inputNorm = take(w, p + "input_layernorm.weight", {h}, dt, device);
    l.postAttentionNorm = take(w, p + "post_attention_layernorm.weight", {h}, dt, device);
    l.q = linear(p + "self_attn.q_proj", q, h, c.qkvBias);
    l.k = linear(p + "self_attn.k_proj", kv, h, c.qkvBias);
    l.v = linear(p + "self_attn.v_proj", kv, h, c.qkvBias);
    l.o = linear(p + "self_attn.o_proj", h, q, c.oBias);
    l.gate = linear(p + "mlp.gate_proj", i, h, false);
    l.up = linear(p + "mlp.up_proj", i, h, false);
    l.down = linear(p + "mlp.down_proj", h, i, false);
    m->m_layers.push_back(std::move(l));
  }
  m->m_invFreq = inverseFrequencies(c).to(device);
  return m;
}

torch::Tensor HfModel::attention(const HfLayer& l, const torch::Tensor& x, const torch::Tensor& cos,
                                 const torch::Tensor& sin, const torch::Tensor& bias,
                                 KvCache* cache, size_t layer) const {
  const auto& c = m_config;
  const int64_t B = x.size(0), T = x.size(1);
  auto heads = [&](const torch::Tensor& t, int64_t n) {
    return t.view({B, T, n, c.headDim}).transpose(1, 2);
  };
  torch::Tensor qh = heads(l.q(x), c.numHeads);
  torch::Tensor kh = heads(l.k(x), c.numKvHeads);
  torch::Tensor vh = heads(l.v(x), c.numKvHeads);
  qh = qh * cos + rotateHalf(qh) * sin;
  kh = kh * cos + rotateHalf(kh) * sin;
  if (cache) {
    if (cache->keys.size() <= layer) {
      cache->keys.push_back(kh);
      cache->values.push_back(vh);
    } else {
      cache->keys[layer] = torch::cat({cache->keys[layer], kh}, 2);
      cache->values[layer] = torch::cat({cache->values[layer], vh}, 2);
    }
    kh = cache->keys[layer];
    vh = cache->values[layer];
  }
  const int64_t groups = c.numHeads / c.numKvHeads;
  if (groups > 1) {
    kh = kh.repeat_interleave(groups, 1);
    vh = vh.repeat_interleave(groups, 1);
  }
  // Scores and softmax in fp32 (as Hugging Face's eager attention does the softmax).
  torch::Tensor scores =
      torch::matmul(qh, kh.transpose(-2, -1)).to(torch::kFloat32) / std::sqrt(double(c.headDim));
  torch::Tensor probs = torch::softmax(scores + bias, -1).to(vh.scalar_type());
  torch::Tensor out =
      torch::matmul(probs, vh).transpose(1, 2).reshape({B, T, c.numHeads * c.headDim});
  return l.o(out);
}

torch::Tensor HfModel::forward(const torch::Tensor& idsIn, const torch::Tensor& maskIn,
                               KvCache* cache) const {
  const auto& c = m_config;
  if (idsIn.dim() != 2 || idsIn.size(1) == 0)
    throw Error("HfModel::forward needs ids of shape [batch, tokens>0]");
  const torch::Tensor ids = idsIn.to(m_device, torch::kInt64);
  if (ids.min().item<int64_t>() < 0 || ids.max().item<int64_t>() >= c.vocabSize)
    throw Error("token id outside the model's vocabulary of " + std::to_string(c.vocabSize) +
                " (tokenizer and model do not match?)");
  const int64_t B = ids.size(0), T = ids.size(1);
  torch::Tensor mask =
      maskIn.defined() ? maskIn.to(m_device, torch::kInt64) : torch::ones({B, T}, ids.options());
  if (mask.sizes() != ids.sizes()) throw Error("HfModel::forward: mask and ids differ in shape");
  torch::Tensor start = cache && cache->nextPosition.defined() ? cache->nextPosition
                                                               : torch::zeros({B}, ids.options());
  // Positions count real tokens (left padding shifts nothing); padding gets position 0.
  torch::Tensor pos = (start.unsqueeze(1) + mask.cumsum(1) - 1).clamp_min(0);
  const int64_t past = cache ? cache->length() : 0;
  torch::Tensor fullMask =
      cache && cache->mask.defined() ? torch::cat({cache->mask, mask}, 1) : mask;
  if (cache) {
    cache->mask = fullMask;
    cache->nextPosition = start + mask.sum(1);
  }
  const int64_t S = past + T;
  // Additive bias [B, 1, T, S]: a key is visible when it is real and not in the future. A
  // finite minimum keeps all-masked rows (padding queries) free of NaN.
  torch::Tensor qi = torch::arange(past, S, ids.options()).view({T, 1});
  torch::Tensor kj = torch::arange(0, S, ids.options()).view({1, S});
  torch::Tensor visible = (kj <= qi).unsqueeze(0) & (fullMask.view({B, 1, S}) != 0);
  torch::Tensor bias =
      torch::zeros({B, 1, T, S}, torch::TensorOptions().device(m_device))
          .masked_fill(visible.logical_not().unsqueeze(1), std::numeric_limits<float>::lowest());
  torch::Tensor freqs = pos.to(torch::kFloat32).unsqueeze(-1) * m_invFreq;  // [B, T, D/2]
  torch::Tensor emb = torch::cat({freqs, freqs}, -1).unsqueeze(1);          // [B, 1, T, D]
  const torch::Tensor cos = emb.cos().to(m_dtype), sin = emb.sin().to(m_dtype);
  torch::Tensor x = F::embedding(ids, m_embed);
  for (size_t n = 0; n < m_layers.size(); ++n) {
    const HfLayer& l = m_layers[n];
    x = x + attention(l, rmsNorm(x, l.inputNorm, c.rmsNormEps), cos, sin, bias, cache, n);
    const torch::Tensor hn = rmsNorm(x, l.postAttentionNorm, c.rmsNormEps);
    x = x + l.down(torch::silu(l.gate(hn)) * l.up(hn));
  }
  x = rmsNorm(x, m_finalNorm, c.rmsNormEps);
  return F::linear(x, m_lmHead).to(torch::kFloat32);
}

std::vector<std::vector<int64_t>> HfModel::generate(
    const std::vector<std::vector<int64_t>>& prompts, const GenerateOptions& o,
    at::Generator& gen) const {
  torch::NoGradGuard noGrad;
  const int64_t B = int64_t(prompts.size());
  std::vector<std::vector<int64_t>> out(prompts.size());
  if (B == 0 || o.maxNew <= 0) return out;
  int64_t T = 0;
  for (const auto& p : prompts) {
    if (p.empty()) throw Error("cannot generate from an empty prompt (no tokens)");
    T = std::max<int64_t>(T, int64_t(p.size()));
  }
  const int64_t pad = m_config.padId >= 0 ? m_config.padId : 0;
  torch::Tensor ids = torch::full({B, T}, pad, torch::kInt64);
  torch::Tensor mask = torch::zeros({B, T}, torch::kInt64);
  for (int64_t b = 0; b < B; ++b) {
    const auto& p = prompts[size_t(b)];
    const int64_t off = T - int64_t(p.size());
    ids[b].narrow(0, off, int64_t(p.size())).copy_(torch::tensor(p, torch::kInt64));
    mask[b].narrow(0, off, int64_t(p.size())).fill_(1);
  }
  const std::vector<int64_t>& stops = o.stopIds.empty() ? m_config.eosIds : o.stopIds;
  std::vector<bool> done(size_t(B), false);
  KvCache cache;
  torch::Tensor logits = forward(ids, mask, &cache).select(1, T - 1);  // [B, V]
  for (int64_t step = 0; step < o.maxNew; ++step) {
    torch::Tensor next;
    if (o.temperature <= 0) {
      next = logits.argmax(-1).to(torch::kCPU);
    } else {
      const torch::Tensor probs = torch::softmax(logits.to(torch::kCPU) / o.temperature, -1);
      next = torch::multinomial(probs, 1, false, gen).view({B});
    }
    checkCancel(o.cancel);
    next = next.to(torch::kInt64).contiguous();
    auto tokens = next.accessor<int64_t, 1>();
    bool all = true;
    for (int64_t b = 0; b < B; ++b) {
      if (done[size_t(b)]) {
        tokens[b] = pad;
        continue;
      }
      const int64_t t = tokens[b];
      out[size_t(b)].push_back(t);
      if (std::find(stops.begin(), stops.end(), t) != stops.end()) done[size_t(b)] = true;
      all = all && done[size_t(b)];
    }
    if (all || step + 1 == o.maxNew) break;
    logits = forward(next.view({B, 1}), torch::ones({B, 1}, torch::kInt64), &cache).select(1, 0);
  }
  return out;
}

}  // namespace sublab::hf
