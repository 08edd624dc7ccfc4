// The standard normal CDF and density that the exact (erf-based) GELU needs, gelu(z) = z Phi(z) and
// gelu'(z) = Phi(z) + z phi(z), for the kernels that fuse it (kernels/bias_gelu.h,
// kernels/geglu.h): a scalar version from std::erfc, and a 16-lane AVX-512 one by Abramowitz &
// Stegun 7.1.26 (|error| <= 1.5e-7 in Phi). Included by those kernels' .cpp files only.
#pragma once

#include <cmath>

#include "kernels/avx512.h"

namespace bertforge::kernels {

inline constexpr float kSqrtHalf = 0.70710678118654752f, kInvSqrt2Pi = 0.39894228040143268f;

// Phi(z), the standard normal CDF, without cancellation on either side.
inline float normal_cdf(float z) { return 0.5f * std::erfc(-z * kSqrtHalf); }

// phi(z) = e^(-z^2/2) / sqrt(2 pi)
inline float normal_pdf(float z) { return kInvSqrt2Pi * std::exp(-0.5f * z * z); }

#if BF_HAVE_AVX512_KERNELS
namespace avx512 {

// Phi(z) and phi(z) = e^(-z^2/2) / sqrt(2 pi) for 16 lanes: erfc(u), u = |z| / sqrt 2, by
// Abramowitz & Stegun 7.1.26 (t = 1 / (1 + p u), erfc(u) = t P(t) e^(-u^2)), reflected for z > 0.
BF_AVX512 inline __m512 normal_cdf(__m512 z, __m512* pdf) {
  const __m512 u = _mm512_mul_ps(_mm512_abs_ps(z), _mm512_set1_ps(kSqrtHalf));
  const __m512 t = _mm512_div_ps(_mm512_set1_ps(1),
                                 _mm512_fmadd_ps(u, _mm512_set1_ps(0.3275911f), _mm512_set1_ps(1)));
  __m512 p = _mm512_set1_ps(1.061405429f);
  p = _mm512_fmadd_ps(p, t, _mm512_set1_ps(-1.453152027f));
  p = _mm512_fmadd_ps(p, t, _mm512_set1_ps(1.421413741f));
  p = _mm512_fmadd_ps(p, t, _mm512_set1_ps(-0.284496736f));
  p = _mm512_fmadd_ps(p, t, _mm512_set1_ps(0.254829592f));
  const __m512 e = avx512::exp(_mm512_mul_ps(_mm512_mul_ps(u, u), _mm512_set1_ps(-1)));
  *pdf = _mm512_mul_ps(e, _mm512_set1_ps(kInvSqrt2Pi));
  const __m512 half_erfc =
      _mm512_mul_ps(_mm512_mul_ps(_mm512_mul_ps(t, p), e), _mm512_set1_ps(0.5f));
  // z < 0: Phi = erfc(u) / 2; z >= 0: 1 - erfc(u) / 2
  const __mmask16 pos = _mm512_cmp_ps_mask(z, _mm512_setzero_ps(), _CMP_GE_OQ);
  return _mm512_mask_sub_ps(half_erfc, pos, _mm512_set1_ps(1), half_erfc);
}

}  // namespace avx512
#endif

}  // namespace bertforge::kernels
