// Implementation of the fused causal self-attention (see lm_attention.h).
#include "engine/lm/lm_attention.h"

#include <ATen/Parallel.h>

#include <algorithm>
#include <cmath>
#include <vector>

namespace sublab {

namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

struct Shape {
  int64_t B, T, H, dh, D;
};

Shape shapeOf(const torch::Tensor& qkv, int64_t heads) {
  const int64_t D = qkv.size(2) / 3;
  return {qkv.size(0), qkv.size(1), heads, D / heads, D};
}

// a . b over n values in 8 interleaved partial sums (independent lanes the compiler turns into
// vector instructions; one running sum is a chain it may not reorder), added in a fixed order.
inline float dot(const float* a, const float* b, int64_t n) {
  float acc[8] = {0.f, 0.f, 0.f, 0.f, 0.f, 0.f, 0.f, 0.f};
  const int64_t full = n / 8 * 8;
  for (int64_t c = 0; c < full; c += 8)
    for (int l = 0; l < 8; ++l) acc[l] += a[c + l] * b[c + l];
  for (int64_t c = full; c < n; ++c) acc[c - full] += a[c] * b[c];
  return ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7]));
}

// Head vectors are summed in a local array of kMaxHead values (registers when DH is known), not
// through pointers into the output, which the compiler must assume alias the inputs.
constexpr int64_t kMaxHead = 256;

// probs [B, H, T, T] (row i holds p_i0..p_ii, the rest 0); y [B, T, D]. DH > 0: the head size
// known when compiling (the inner loops unroll and vectorize); 0: s.dh.
template <int DH>
void forwardKernel(const float* qkv, float* y, float* probs, const Shape& s) {
  const int64_t dh = DH > 0 ? DH : s.dh;
  const float scale = 1.0f / std::sqrt(static_cast<float>(dh));
  const int64_t rowStride = 3 * s.D;  // between positions in qkv
  at::parallel_for(0, s.B * s.H, 1, [&](int64_t begin, int64_t end) {
    float acc[DH > 0 ? DH : kMaxHead];
    for (int64_t bh = begin; bh < end; ++bh) {
      const int64_t b = bh / s.H, h = bh % s.H;
      const float* base = qkv + b * s.T * rowStride + h * dh;
      float* P = probs + bh * s.T * s.T;
      for (int64_t i = 0; i < s.T; ++i) {
        const float* q = base + i * rowStride;
        float* p = P + i * s.T;
        float mx = -INFINITY;
        for (int64_t j = 0; j <= i; ++j) {
          p[j] = dot(q, base + j * rowStride + s.D, dh) * scale;
          mx = std::max(mx, p[j]);
        }
        float sum = 0.f;
        for (int64_t j = 0; j <= i; ++j) {
          p[j] = std::exp(p[j] - mx);
          sum += p[j];
        }
        const float inv = 1.0f / sum;
        for (int64_t j = 0; j <= i; ++j) p[j] *= inv;
        for (int64_t j = i + 1; j < s.T; ++j) p[j] = 0.f;
        for (int64_t c = 0; c < dh; ++c) acc[c] = 0.f;
        for (int64_t j = 0; j <= i; ++j) {
          const float* v = base + j * rowStride + 2 * s.D;
          const float pj = p[j];
          for (int64_t c = 0; c < dh; ++c) acc[c] += pj * v[c];
        }
        std::copy_n(acc, dh, y + (b * s.T + i) * s.D + h * dh);
      }
    }
  });
}

// dy [B, T, D] -> dqkv [B, T, 3D] (fully written). Per (sequence, head): first the softmax's
// input gradients dS (T x T), then dq by rows, then dk and dv by columns, each summed locally.
template <int DH>
void backwardKernel(const float* qkv, const float* probs, const float* dy, float* dqkv,
                    const Shape& s) {
  const int64_t dh = DH > 0 ? DH : s.dh;
  const float scale = 1.0f / std::sqrt(static_cast<float>(dh));
  const int64_t rowStride = 3 * s.D;
  at::parallel_for(0, s.B * s.H, 1, [&](int64_t begin, int64_t end) {
    std::vector<float> dsBuf(static_cast<size_t>(s.T * s.T));
    float* dS = dsBuf.data();
    float accA[DH > 0 ? DH : kMaxHead], accB[DH > 0 ? DH : kMaxHead];
    for (int64_t bh = begin; bh < end; ++bh) {
      const int64_t b = bh / s.H, h = bh % s.H;
      const float* base = qkv + b * s.T * rowStride + h * dh;
      float* dbase = dqkv + b * s.T * rowStride + h * dh;
      const float* P = probs + bh * s.T * s.T;
      const float* G = dy + b * s.T * s.D + h * dh;  // row i at G + i * s.D
      // dP_ij = g_i . v_j; dS_ij = p_ij (dP_ij - sum_k p_ik dP_ik), times the score scale.
      for (int64_t i = 0; i < s.T; ++i) {
        const float* p = P + i * s.T;
        float* ds = dS + i * s.T;
        float rowDot = 0.f;
        for (int64_t j = 0; j <= i; ++j) {
          ds[j] = dot(G + i * s.D, base + j * rowStride + 2 * s.D, dh);
          rowDot += p[j] * ds[j];
        }
        for (int64_t j = 0; j <= i; ++j) ds[j] = p[j] * (ds[j] - rowDot) * scale;
      }
      // dq_i = sum_{j <= i} dS_ij k_j
      for (int64_t i = 0; i < s.T; ++i) {
        for (int64_t c = 0; c < dh; ++c) accA[c] = 0.f;
        for (int64_t j = 0; j <= i; ++j) {
          const float w = dS[i * s.T + j];
          const float* k = base + j * rowStride + s.D;
          for (int64_t c = 0; c < dh; ++c) accA[c] += w * k[c];
        }
        std::copy_n(accA, dh, dbase + i * rowStride);
      }
      // dk_j = sum_{i >= j} dS_ij q_i; dv_j = sum_{i >= j} p_ij g_i
      for (int64_t j = 0; j < s.T; ++j) {
        for (int64_t c = 0; c < dh; ++c) accA[c] = accB[c] = 0.f;
        for (int64_t i = j; i < s.T; ++i) {
          const float w = dS[i * s.T + j], pw = P[i * s.T + j];
          const float* q = base + i * rowStride;
          const float* g = G + i * s.D;
          for (int64_t c = 0; c < dh; ++c) {
            accA[c] += w * q[c];
            accB[c] += pw * g[c];
          }
        }
        std::copy_n(accA, dh, dbase + j * rowStride + s.D);
        std::copy_n(accB, dh, dbase + j * rowStride + 2 * s.D);
      }
    }
  });
}

void forwardAny(const float* qkv, float* y, float* probs, const Shape& s) {
  switch (s.dh) {
    case 16:
      return forwardKernel<16>(qkv, y, probs, s);
    case 32:
      return forwardKernel<32>(qkv, y, probs, s);
    case 64:
      return forwardKernel<64>(qkv, y, probs, s);
    default:
      return forwardKernel<0>(qkv, y, probs, s);
  }
}

void backwardAny(const float* qkv, const float* probs, const float* dy, float* dqkv,
                 const Shape& s) {
  switch (s.dh) {
    case 16:
      return backwardKernel<16>(qkv, probs, dy, dqkv, s);
    case 32:
      return backwardKernel<32>(qkv, probs, dy, dqkv, s);
    case 64:
      return backwardKernel<64>(qkv, probs, dy, dqkv, s);
    default:
      return backwardKernel<0>(qkv, probs, dy, dqkv, s);
  }
}

class CausalAttentionFn : public torch::autograd::Function<CausalAttentionFn> {
 public:
  static torch::Tensor forward(AutogradContext* ctx, const torch::Tensor& qkv, int64_t heads) {
    const Shape s = shapeOf(qkv, heads);
    torch::Tensor y = torch::empty({s.B, s.T, s.D}, qkv.options());
    torch::Tensor probs = torch::empty({s.B, s.H, s.T, s.T}, qkv.options());
    forwardAny(qkv.data_ptr<float>(), y.data_ptr<float>(), probs.data_ptr<float>(), s);
    ctx->save_for_backward({qkv, probs});
    ctx->saved_data["heads"] = heads;
    return y;
  }

  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    const auto saved = ctx->get_saved_variables();
    const torch::Tensor& qkv = saved[0];
    const Shape s = shapeOf(qkv, ctx->saved_data["heads"].toInt());
    const torch::Tensor dy = grads[0].contiguous();
    torch::Tensor dqkv = torch::empty_like(qkv);
    backwardAny(qkv.data_ptr<float>(), saved[1].data_ptr<float>(), dy.data_ptr<float>(),
                dqkv.data_ptr<float>(), s);
    return {dqkv, torch::Tensor()};
  }
};

}  // namespace

bool causalAttentionApplies(const torch::Tensor& qkv, int64_t heads) {
  return qkv.device().is_cpu() && qkv.scalar_type() == torch::kFloat && qkv.dim() == 3 &&
         qkv.is_contiguous() && heads > 0 && qkv.size(2) % (3 * heads) == 0 &&
         qkv.size(2) / (3 * heads) <= kMaxHead;
}

torch::Tensor causalAttention(const torch::Tensor& qkv, int64_t heads) {
  TORCH_CHECK(causalAttentionApplies(qkv, heads),
              "causalAttention: a contiguous CPU float [B, T, 3D], D split into heads of at most ",
              kMaxHead);
  return CausalAttentionFn::apply(qkv, heads);
}

}  // namespace sublab
