#include "kernels/bias_gelu.h"

#include <cmath>

#include "kernels/avx512.h"
#include "kernels/bf16.h"
#include "kernels/gelu_math.h"

namespace bertforge::kernels {
namespace {

// ---- portable ----------------------------------------------------------------------------------

void gelu_forward_scalar(const uint16_t* x, const float* bias, int64_t cols, int64_t begin,
                         int64_t end, uint16_t* y) {
  for (int64_t i = begin * cols; i < end * cols; ++i) {
    const float z = bf16_to_float(x[i]) + (bias ? bias[i % cols] : 0.0f);
    y[i] = float_to_bf16(z * normal_cdf(z));
  }
}

void gelu_backward_scalar(const uint16_t* x, const float* bias, const uint16_t* dy, int64_t cols,
                          int64_t begin, int64_t end, uint16_t* dx, float* dbias) {
  for (int64_t r = begin; r < end; ++r)
    for (int64_t j = 0; j < cols; ++j) {
      const int64_t i = r * cols + j;
      const float z = bf16_to_float(x[i]) + (bias ? bias[j] : 0.0f);
      const float d = normal_cdf(z) + z * normal_pdf(z);
      const float g = bf16_to_float(dy[i]) * d;
      dx[i] = float_to_bf16(g);
      if (dbias) dbias[j] += g;
    }
}

// ---- AVX-512 -----------------------------------------------------------------------------------
#if BF_HAVE_AVX512_KERNELS
using avx512::lanes;

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
      avx512::store_bf16(y + r * cols + j, k, _mm512_mul_ps(z, avx512::normal_cdf(z, &pdf)));
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
      const __m512 z = load_z(x, bias, cols, r, j, k), cdf = avx512::normal_cdf(z, &pdf);
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
