// Small vector helpers for the language model's fused CPU operations (lm_loss, lm_gelu): 8 floats
// at a time with AVX2 and FMA, in functions compiled for those instructions alone, and useAvx2()
// to choose them at run time (other CPUs take the callers' scalar loops).
#pragma once

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define SUBLAB_HAVE_AVX2_PATH 1
#endif

#include <cstdint>

namespace sublab::simd {

// Whether this CPU runs the AVX2 + FMA paths.
inline bool useAvx2() {
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

#ifdef SUBLAB_HAVE_AVX2_PATH
// exp of 8 floats: x = n ln2 + r with |r| <= ln2 / 2, exp(r) by a degree-6 polynomial (Cephes'
// expf coefficients, about 1 ulp), times 2^n built in the exponent bits. Below -87.3 (where the
// result is not a normal float) it returns 0; above 88.7 the result is not finite.
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
#endif

}  // namespace sublab::simd
