// Implementation of the fused cross-entropy (see lm_loss.h).
#include "engine/lm/lm_loss.h"

#include <ATen/Parallel.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "engine/lm/simd_math.h"

namespace sublab {

namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

// One row: writes g[j] = exp(x[j] - max) and returns their sum, max in *maxOut (the caller
// scales g; logsumexp = max + log(sum)).
float expRowScalar(const float* x, float* g, int64_t V, float* maxOut) {
  float mx = -std::numeric_limits<float>::infinity();
  for (int64_t j = 0; j < V; ++j) mx = std::max(mx, x[j]);
  float sum = 0.f;
  for (int64_t j = 0; j < V; ++j) {
    g[j] = std::exp(x[j] - mx);
    sum += g[j];
  }
  *maxOut = mx;
  return sum;
}

void scaleRowScalar(float* g, int64_t V, float s) {
  for (int64_t j = 0; j < V; ++j) g[j] *= s;
}

#ifdef SUBLAB_HAVE_AVX2_PATH
__attribute__((target("avx2,fma"))) float expRowAvx2(const float* x, float* g, int64_t V,
                                                     float* maxOut) {
  const int64_t full = V / 8 * 8;
  const __m256i mask = simd::tailMask(V - full);
  const __m256 lowest = _mm256_set1_ps(-std::numeric_limits<float>::infinity());
  __m256 m = lowest;
  for (int64_t j = 0; j < full; j += 8) m = _mm256_max_ps(m, _mm256_loadu_ps(x + j));
  if (full < V)
    m = _mm256_max_ps(
        m, _mm256_blendv_ps(lowest, _mm256_maskload_ps(x + full, mask), _mm256_castsi256_ps(mask)));
  const __m128 m4 = _mm_max_ps(_mm256_castps256_ps128(m), _mm256_extractf128_ps(m, 1));
  const __m128 m2 = _mm_max_ps(m4, _mm_movehl_ps(m4, m4));
  const float mx = _mm_cvtss_f32(_mm_max_ss(m2, _mm_shuffle_ps(m2, m2, 1)));
  const __m256 vmx = _mm256_set1_ps(mx);
  __m256 acc = _mm256_setzero_ps();
  for (int64_t j = 0; j < full; j += 8) {
    const __m256 e = simd::exp8(_mm256_sub_ps(_mm256_loadu_ps(x + j), vmx));
    _mm256_storeu_ps(g + j, e);
    acc = _mm256_add_ps(acc, e);
  }
  if (full < V) {
    const __m256 e =
        _mm256_and_ps(simd::exp8(_mm256_sub_ps(_mm256_maskload_ps(x + full, mask), vmx)),
                      _mm256_castsi256_ps(mask));
    _mm256_maskstore_ps(g + full, mask, e);
    acc = _mm256_add_ps(acc, e);
  }
  *maxOut = mx;
  return simd::sum8(acc);
}

__attribute__((target("avx2,fma"))) void scaleRowAvx2(float* g, int64_t V, float s) {
  const __m256 vs = _mm256_set1_ps(s);
  const int64_t full = V / 8 * 8;
  for (int64_t j = 0; j < full; j += 8)
    _mm256_storeu_ps(g + j, _mm256_mul_ps(_mm256_loadu_ps(g + j), vs));
  for (int64_t j = full; j < V; ++j) g[j] *= s;
}
#endif

// The row helpers above, the AVX2 ones when `avx2` (simd::useAvx2()).
float expRow(const float* x, float* g, int64_t V, float* maxOut, [[maybe_unused]] bool avx2) {
#ifdef SUBLAB_HAVE_AVX2_PATH
  if (avx2) return expRowAvx2(x, g, V, maxOut);
#endif
  return expRowScalar(x, g, V, maxOut);
}

void scaleRow(float* g, int64_t V, float s, [[maybe_unused]] bool avx2) {
#ifdef SUBLAB_HAVE_AVX2_PATH
  if (avx2) return scaleRowAvx2(g, V, s);
#endif
  scaleRowScalar(g, V, s);
}

struct CrossEntropyFn : public torch::autograd::Function<CrossEntropyFn> {
  static torch::Tensor forward(AutogradContext* ctx, const torch::Tensor& logits,
                               const torch::Tensor& targets, int64_t ignoreIndex) {
    const int64_t N = logits.size(0), V = logits.size(1);
    const torch::Tensor tg = targets.contiguous();
    const float* x = logits.data_ptr<float>();
    const int64_t* t = tg.data_ptr<int64_t>();
    int64_t counted = 0;
    for (int64_t i = 0; i < N; ++i) {
      if (t[i] == ignoreIndex) continue;
      TORCH_CHECK(t[i] >= 0 && t[i] < V, "crossEntropy: target ", t[i], " out of range [0, ", V,
                  ")");
      ++counted;
    }
    torch::Tensor grad = torch::empty_like(logits);
    float* g = grad.data_ptr<float>();
    std::vector<double> rowLoss(static_cast<size_t>(N), 0.0);
    const float invCount = counted > 0 ? float(1.0 / double(counted)) : 0.f;
    const bool avx2 = simd::useAvx2();
    at::parallel_for(0, N, 16, [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i) {
        const float* xi = x + i * V;
        float* gi = g + i * V;
        if (t[i] == ignoreIndex) {
          std::fill_n(gi, V, 0.f);
          continue;
        }
        float mx = 0.f;
        const float sum = expRow(xi, gi, V, &mx, avx2);
        rowLoss[static_cast<size_t>(i)] = double(mx) + std::log(double(sum)) - double(xi[t[i]]);
        // (softmax - one-hot) / count: exp(x - max) / (sum * count), one multiplier per row.
        scaleRow(gi, V, float(double(invCount) / double(sum)), avx2);
        gi[t[i]] -= invCount;
      }
    });
    double total = 0.0;  // in row order: the same for any thread count
    for (double l : rowLoss) total += l;
    ctx->saved_data["grad"] = grad;
    const double mean =
        counted > 0 ? total / double(counted) : std::numeric_limits<double>::quiet_NaN();
    return torch::full({}, mean, logits.options());
  }

  static variable_list backward(AutogradContext* ctx, variable_list gradOutputs) {
    torch::Tensor grad = ctx->saved_data["grad"].toTensor();
    ctx->saved_data.erase("grad");
    const torch::Tensor& up = gradOutputs[0];
    if (!(up.item<float>() == 1.0f)) grad = grad * up;
    return {grad, torch::Tensor(), torch::Tensor()};
  }
};

}  // namespace

bool crossEntropyApplies(const torch::Tensor& logits, const torch::Tensor& targets) {
  return logits.device().is_cpu() && logits.scalar_type() == torch::kFloat && logits.dim() == 2 &&
         logits.is_contiguous() && targets.device().is_cpu() &&
         targets.scalar_type() == torch::kInt64 && targets.dim() == 1 &&
         targets.size(0) == logits.size(0) && logits.size(1) > 0;
}

torch::Tensor crossEntropy(const torch::Tensor& logits, const torch::Tensor& targets,
                           int64_t ignoreIndex) {
  TORCH_CHECK(crossEntropyApplies(logits, targets),
              "crossEntropy: needs [N, V] float32 contiguous CPU logits and [N] int64 targets");
  return CrossEntropyFn::apply(logits, targets, ignoreIndex);
}

}  // namespace sublab
