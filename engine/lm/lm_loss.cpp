// Implementation of the fused cross-entropy (see lm_loss.h).
#include "engine/lm/lm_loss.h"

#include <ATen/Parallel.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define SUBLAB_HAVE_AVX2_PATH 1
#endif

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
// exp of 8 floats: x = n ln2 + r with |r| <= ln2 / 2, exp(r) by a degree-6 polynomial (Cephes'
// expf coefficients, about 1 ulp), times 2^n built in the exponent bits. Below -87.3 (where the
// result is not a normal float) it returns 0; inputs here are at most 0.
__attribute__((target("avx2,fma"))) inline __m256 exp8(__m256 x) {
  const __m256 tiny = _mm256_set1_ps(-87.33654f);
  const __m256 under = _mm256_cmp_ps(x, tiny, _CMP_LT_OQ);
  x = _mm256_max_ps(x, tiny);
  const __m256 n = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(1.44269504088896341f)),
                                   _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693359375f), x);
  r = _mm256_fnmadd_ps(n, _mm256_set1_ps(-2.12194440e-4f), r);
  __m256 p = _mm256_set1_ps(1.9875691500e-4f);
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.3981999507e-3f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(8.3334519073e-3f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(4.1665795894e-2f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.6666665459e-1f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(5.0000001201e-1f));
  const __m256 r2 = _mm256_mul_ps(r, r);
  __m256 y = _mm256_fmadd_ps(p, r2, _mm256_add_ps(r, _mm256_set1_ps(1.0f)));
  const __m256i e =
      _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
  y = _mm256_mul_ps(y, _mm256_castsi256_ps(e));
  return _mm256_andnot_ps(under, y);
}

// Lanes 0..k-1 on for the last, partial group of a row.
__attribute__((target("avx2,fma"))) inline __m256i tailMask(int64_t k) {
  const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(k)), lane);
}

__attribute__((target("avx2,fma"))) inline float sum8(__m256 v) {
  const __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  const __m128 t = _mm_add_ps(s, _mm_movehl_ps(s, s));
  return _mm_cvtss_f32(_mm_add_ss(t, _mm_shuffle_ps(t, t, 1)));
}

__attribute__((target("avx2,fma"))) float expRowAvx2(const float* x, float* g, int64_t V,
                                                     float* maxOut) {
  const int64_t full = V / 8 * 8;
  const __m256i mask = tailMask(V - full);
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
    const __m256 e = exp8(_mm256_sub_ps(_mm256_loadu_ps(x + j), vmx));
    _mm256_storeu_ps(g + j, e);
    acc = _mm256_add_ps(acc, e);
  }
  if (full < V) {
    const __m256 e = _mm256_and_ps(exp8(_mm256_sub_ps(_mm256_maskload_ps(x + full, mask), vmx)),
                                   _mm256_castsi256_ps(mask));
    _mm256_maskstore_ps(g + full, mask, e);
    acc = _mm256_add_ps(acc, e);
  }
  *maxOut = mx;
  return sum8(acc);
}

__attribute__((target("avx2,fma"))) void scaleRowAvx2(float* g, int64_t V, float s) {
  const __m256 vs = _mm256_set1_ps(s);
  const int64_t full = V / 8 * 8;
  for (int64_t j = 0; j < full; j += 8)
    _mm256_storeu_ps(g + j, _mm256_mul_ps(_mm256_loadu_ps(g + j), vs));
  for (int64_t j = full; j < V; ++j) g[j] *= s;
}
#endif

bool useAvx2() {
#ifdef SUBLAB_HAVE_AVX2_PATH
  static const bool yes = [] {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  }();
  return yes;
#else
  return false;
#endif
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
    [[maybe_unused]] const bool avx2 = useAvx2();
    at::parallel_for(0, N, 16, [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i) {
        const float* xi = x + i * V;
        float* gi = g + i * V;
        if (t[i] == ignoreIndex) {
          std::fill_n(gi, V, 0.f);
          continue;
        }
        float mx = 0.f;
#ifdef SUBLAB_HAVE_AVX2_PATH
        const float sum = avx2 ? expRowAvx2(xi, gi, V, &mx) : expRowScalar(xi, gi, V, &mx);
#else
        const float sum = expRowScalar(xi, gi, V, &mx);
#endif
        rowLoss[static_cast<size_t>(i)] = double(mx) + std::log(double(sum)) - double(xi[t[i]]);
        // (softmax - one-hot) / count: exp(x - max) / (sum * count), one multiplier per row.
        const float scale = float(double(invCount) / double(sum));
#ifdef SUBLAB_HAVE_AVX2_PATH
        if (avx2)
          scaleRowAvx2(gi, V, scale);
        else
          scaleRowScalar(gi, V, scale);
#else
        scaleRowScalar(gi, V, scale);
#endif
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
