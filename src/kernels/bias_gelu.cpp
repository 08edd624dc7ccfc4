#include "kernels/bias_gelu.h"

#include <cmath>

#include "kernels/avx512.h"
#include "kernels/bf16.h"

namespace bertforge::kernels {
namespace {

constexpr float kSqrtHalf = 0.70710678118654752f, kInvSqrt2Pi = 0.39894228040143268f;

// ---- portable ----------------------------------------------------------------------------------

// Phi(z), the standard normal CDF, without cancellation on either side.
float phi_cdf(float z) { return 0.5f * std::erfc(-z * kSqrtHalf); }

void gelu_forward_scalar(const uint16_t* x, const float* bias, int64_t cols, int64_t begin,
                         int64_t end, uint16_t* y) {
  for (int64_t i = begin * cols; i < end * cols; ++i) {
    const float z = bf16_to_float(x[i]) + (bias ? bias[i % cols] : 0.0f);
    y[i] = float_to_bf16(z * phi_cdf(z));
  }
}

void gelu_backward_scalar(const uint16_t* x, const float* bias, const uint16_t* dy, int64_t cols,
                          int64_t begin, int64_t end, uint16_t* dx, float* dbias) {
  for (int64_t r = begin; r < end; ++r)
    for (int64_t j = 0; j < cols; ++j) {
      const int64_t i = r * cols + j;
      const float z = bf16_to_float(x[i]) + (bias ? bias[j] : 0.0f);
      const float d = phi_cdf(z) + z * kInvSqrt2Pi * std::exp(-0.5f * z * z);
      const float g = bf16_to_float(dy[i]) * d;
      dx[i] = float_to_bf16(g);
      if (dbias) dbias[j] += g;
    }
}

// ---- AVX-512 -----------------------------------------------------------------------------------
#if BF_HAVE_AVX512_KERNELS
using avx512::lanes;

// Phi(z) and phi(z) = e^(-z^2/2) / sqrt(2 pi) for 16 lanes: erfc(u), u = |z| / sqrt 2, by
// Abramowitz & Stegun 7.1.26 (t = 1 / (1 + p u), erfc(u) = t P(t) e^(-u^2)), reflected for z > 0.
BF_AVX512 inline __m512 phi16(__m512 z, __m512* pdf) {
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

// z = x + bias for the 16 elements of row r from column j (lanes outside k are 0).
BF_AVX512 inline __m512 load_z(const uint16_t* x, const float* bias, int64_t cols, int64_t r,
                               int64_t j, __mmask16 k) {
  const __m512 b = bias ? _mm512_maskz_loadu_ps(k, bias + j) : _mm512_setzero_ps();
  return _mm512_add_ps(avx512::load_bf16(x + r * cols + j, k), b);
}

BF_AVX512 void gelu_forward_avx512(const uint16_t* x, const float* bias, int64_t cols,
                                   int64_t begin, int64_t end, uint16_t* y) {
  for (int64_t r = begin; r < end; ++r)
    for (int64_t j = 0; j < cols; j += 16) {
      const __mmask16 k = lanes(cols - j);
      const __m512 z = load_z(x, bias, cols, r, j, k);
      __m512 pdf;
      avx512::store_bf16(y + r * cols + j, k, _mm512_mul_ps(z, phi16(z, &pdf)));
    }
}

BF_AVX512 void gelu_backward_avx512(const uint16_t* x, const float* bias, const uint16_t* dy,
                                    int64_t cols, int64_t begin, int64_t end, uint16_t* dx,
                                    float* dbias) {
  for (int64_t r = begin; r < end; ++r)
    for (int64_t j = 0; j < cols; j += 16) {
      const __mmask16 k = lanes(cols - j);
      const int64_t i = r * cols + j;
      __m512 pdf;
      const __m512 z = load_z(x, bias, cols, r, j, k), cdf = phi16(z, &pdf);
      const __m512 g = _mm512_mul_ps(avx512::load_bf16(dy + i, k), _mm512_fmadd_ps(z, pdf, cdf));
      avx512::store_bf16(dx + i, k, g);
      if (dbias)
        _mm512_mask_storeu_ps(dbias + j, k, _mm512_add_ps(_mm512_maskz_loadu_ps(k, dbias + j), g));
    }
}
#endif

}  // namespace

void bias_gelu_forward(const uint16_t* x, const float* bias, int64_t cols, int64_t begin,
                       int64_t end, uint16_t* y, Isa isa) {
#if BF_HAVE_AVX512_KERNELS
  if (use_avx512(isa)) return gelu_forward_avx512(x, bias, cols, begin, end, y);
#endif
  gelu_forward_scalar(x, bias, cols, begin, end, y);
}

void bias_gelu_backward(const uint16_t* x, const float* bias, const uint16_t* dy, int64_t cols,
                        int64_t begin, int64_t end, uint16_t* dx, float* dbias, Isa isa) {
#if BF_HAVE_AVX512_KERNELS
  if (use_avx512(isa)) return gelu_backward_avx512(x, bias, dy, cols, begin, end, dx, dbias);
#endif
  gelu_backward_scalar(x, bias, dy, cols, begin, end, dx, dbias);
}

}  // namespace bertforge::kernels
