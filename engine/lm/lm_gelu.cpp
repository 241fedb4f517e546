// Implementation of the fused GELU (see lm_gelu.h).
#include "engine/lm/lm_gelu.h"

#include <ATen/Parallel.h>

#include <cmath>

#include "engine/lm/simd_math.h"

namespace sublab {

namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

constexpr float kSqrtHalf = 0.70710678118654752f;    // 1 / sqrt(2)
constexpr float kInvSqrt2Pi = 0.39894228040143268f;  // 1 / sqrt(2 pi)
constexpr int64_t kGrain = 8192;

void forwardScalar(const float* x, float* y, float* cdf, int64_t n) {
  for (int64_t i = 0; i < n; ++i) {
    cdf[i] = 0.5f * std::erfc(-x[i] * kSqrtHalf);
    y[i] = x[i] * cdf[i];
  }
}

void backwardScalar(const float* x, const float* cdf, const float* g, float* gx, int64_t n) {
  for (int64_t i = 0; i < n; ++i)
    gx[i] = g[i] * (cdf[i] + x[i] * kInvSqrt2Pi * std::exp(-0.5f * x[i] * x[i]));
}

#ifdef SUBLAB_HAVE_AVX2_PATH
// Phi(x) = erfc(-x / sqrt 2) / 2. With z = |x| / sqrt 2 and t = 1 / (1 + p z):
// erfc(z) ~ t (a1 + t (a2 + t (a3 + t (a4 + t a5)))) exp(-z^2) (A&S 7.1.26); Phi is half of that
// for x < 0 and 1 minus it for x >= 0.
__attribute__((target("avx2,fma"))) inline __m256 cdf8(__m256 x) {
  const __m256 z =
      _mm256_andnot_ps(_mm256_set1_ps(-0.0f), _mm256_mul_ps(x, _mm256_set1_ps(kSqrtHalf)));
  const __m256 one = _mm256_set1_ps(1.0f);
  const __m256 t = _mm256_div_ps(one, _mm256_fmadd_ps(_mm256_set1_ps(0.3275911f), z, one));
  __m256 p = _mm256_set1_ps(1.061405429f);
  p = _mm256_fmadd_ps(p, t, _mm256_set1_ps(-1.453152027f));
  p = _mm256_fmadd_ps(p, t, _mm256_set1_ps(1.421413741f));
  p = _mm256_fmadd_ps(p, t, _mm256_set1_ps(-0.284496736f));
  p = _mm256_fmadd_ps(p, t, _mm256_set1_ps(0.254829592f));
  p = _mm256_mul_ps(p, t);
  const __m256 half = _mm256_set1_ps(0.5f);
  const __m256 tail = _mm256_mul_ps(
      _mm256_mul_ps(half, p), simd::exp8(_mm256_sub_ps(_mm256_setzero_ps(), _mm256_mul_ps(z, z))));
  const __m256 negative = _mm256_cmp_ps(x, _mm256_setzero_ps(), _CMP_LT_OQ);
  return _mm256_blendv_ps(_mm256_sub_ps(one, tail), tail, negative);
}

__attribute__((target("avx2,fma"))) void forwardAvx2(const float* x, float* y, float* cdf,
                                                     int64_t n) {
  const int64_t full = n / 8 * 8;
  for (int64_t i = 0; i < full; i += 8) {
    const __m256 v = _mm256_loadu_ps(x + i);
    const __m256 c = cdf8(v);
    _mm256_storeu_ps(cdf + i, c);
    _mm256_storeu_ps(y + i, _mm256_mul_ps(v, c));
  }
  if (full < n) {
    const __m256i mask = simd::tailMask(n - full);
    const __m256 v = _mm256_maskload_ps(x + full, mask);
    const __m256 c = cdf8(v);
    _mm256_maskstore_ps(cdf + full, mask, c);
    _mm256_maskstore_ps(y + full, mask, _mm256_mul_ps(v, c));
  }
}

__attribute__((target("avx2,fma"))) inline __m256 backward8(__m256 v, __m256 c, __m256 g) {
  const __m256 pdf =
      _mm256_mul_ps(_mm256_set1_ps(kInvSqrt2Pi),
                    simd::exp8(_mm256_mul_ps(_mm256_set1_ps(-0.5f), _mm256_mul_ps(v, v))));
  return _mm256_mul_ps(g, _mm256_fmadd_ps(v, pdf, c));
}

__attribute__((target("avx2,fma"))) void backwardAvx2(const float* x, const float* cdf,
                                                      const float* g, float* gx, int64_t n) {
  const int64_t full = n / 8 * 8;
  for (int64_t i = 0; i < full; i += 8)
    _mm256_storeu_ps(gx + i, backward8(_mm256_loadu_ps(x + i), _mm256_loadu_ps(cdf + i),
                                       _mm256_loadu_ps(g + i)));
  if (full < n) {
    const __m256i mask = simd::tailMask(n - full);
    _mm256_maskstore_ps(
        gx + full, mask,
        backward8(_mm256_maskload_ps(x + full, mask), _mm256_maskload_ps(cdf + full, mask),
                  _mm256_maskload_ps(g + full, mask)));
  }
}
#endif

struct GeluFn : public torch::autograd::Function<GeluFn> {
  static torch::Tensor forward(AutogradContext* ctx, const torch::Tensor& x) {
    torch::Tensor y = torch::empty_like(x), cdf = torch::empty_like(x);
    const float* px = x.data_ptr<float>();
    float* py = y.data_ptr<float>();
    float* pc = cdf.data_ptr<float>();
    [[maybe_unused]] const bool avx2 = simd::useAvx2();
    at::parallel_for(0, x.numel(), kGrain, [&](int64_t begin, int64_t end) {
#ifdef SUBLAB_HAVE_AVX2_PATH
      if (avx2) return forwardAvx2(px + begin, py + begin, pc + begin, end - begin);
#endif
      forwardScalar(px + begin, py + begin, pc + begin, end - begin);
    });
    ctx->save_for_backward({x});
    ctx->saved_data["cdf"] = cdf;
    return y;
  }

  static variable_list backward(AutogradContext* ctx, variable_list gradOutputs) {
    const torch::Tensor x = ctx->get_saved_variables()[0];
    const torch::Tensor cdf = ctx->saved_data["cdf"].toTensor();
    ctx->saved_data.erase("cdf");
    const torch::Tensor g = gradOutputs[0].contiguous();
    torch::Tensor gx = torch::empty_like(x);
    const float* px = x.data_ptr<float>();
    const float* pc = cdf.data_ptr<float>();
    const float* pg = g.data_ptr<float>();
    float* out = gx.data_ptr<float>();
    [[maybe_unused]] const bool avx2 = simd::useAvx2();
    at::parallel_for(0, x.numel(), kGrain, [&](int64_t begin, int64_t end) {
#ifdef SUBLAB_HAVE_AVX2_PATH
      if (avx2) return backwardAvx2(px + begin, pc + begin, pg + begin, out + begin, end - begin);
#endif
      backwardScalar(px + begin, pc + begin, pg + begin, out + begin, end - begin);
    });
    return {gx};
  }
};

}  // namespace

torch::Tensor gelu(const torch::Tensor& x) {
  if (!x.device().is_cpu() || x.scalar_type() != torch::kFloat || !x.is_contiguous())
    return torch::gelu(x);
  return GeluFn::apply(x);
}

}  // namespace sublab
