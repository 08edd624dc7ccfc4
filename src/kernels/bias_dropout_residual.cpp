#include "kernels/bias_dropout_residual.h"

#include "kernels/avx512.h"
#include "kernels/bf16.h"

namespace bertforge::kernels {
namespace {

// ---- portable ----------------------------------------------------------------------------------

float mask_at(const DropoutMask& mask, int64_t i) {
  return mask.threshold == 0 || mask.keeps(uint64_t(i)) ? mask.scale : 0.0f;
}

void bdr_forward_scalar(const uint16_t* x, const float* bias, const float* residual, int64_t cols,
                        int64_t begin, int64_t end, const DropoutMask& mask, float* z) {
  for (int64_t i = begin * cols; i < end * cols; ++i)
    z[i] = (bf16_to_float(x[i]) + (bias ? bias[i % cols] : 0.0f)) * mask_at(mask, i) + residual[i];
}

void bdr_backward_scalar(const float* dz, int64_t cols, int64_t begin, int64_t end,
                         const DropoutMask& mask, uint16_t* dx, float* dbias) {
  for (int64_t r = begin; r < end; ++r)
    for (int64_t j = 0; j < cols; ++j) {
      const int64_t i = r * cols + j;
      const float g = dz[i] * mask_at(mask, i);
      dx[i] = float_to_bf16(g);
      if (dbias) dbias[j] += g;
    }
}

// ---- AVX-512 -----------------------------------------------------------------------------------
#if BF_HAVE_AVX512_KERNELS
using avx512::kept16;

BF_AVX512 void bdr_forward_avx512(const uint16_t* x, const float* bias, const float* residual,
                                  int64_t cols, int64_t begin, int64_t end, const DropoutMask& mask,
                                  float* z) {
  const __m512 scale = _mm512_set1_ps(mask.scale);
  for (int64_t r = begin; r < end; ++r)
    for (int64_t j = 0; j < cols; j += 16) {
      const __mmask16 k = avx512::lanes(cols - j);
      const int64_t i = r * cols + j;
      __m512 v = avx512::load_bf16(x + i, k);
      if (bias) v = _mm512_add_ps(v, _mm512_maskz_loadu_ps(k, bias + j));
      v = _mm512_maskz_mul_ps(kept16(mask, i), v, scale);
      _mm512_mask_storeu_ps(z + i, k, _mm512_add_ps(v, _mm512_maskz_loadu_ps(k, residual + i)));
    }
}

BF_AVX512 void bdr_backward_avx512(const float* dz, int64_t cols, int64_t begin, int64_t end,
                                   const DropoutMask& mask, uint16_t* dx, float* dbias) {
  const __m512 scale = _mm512_set1_ps(mask.scale);
  for (int64_t r = begin; r < end; ++r)
    for (int64_t j = 0; j < cols; j += 16) {
      const __mmask16 k = avx512::lanes(cols - j);
      const int64_t i = r * cols + j;
      const __m512 g =
          _mm512_maskz_mul_ps(kept16(mask, i), _mm512_maskz_loadu_ps(k, dz + i), scale);
      avx512::store_bf16(dx + i, k, g);
      if (dbias)
        _mm512_mask_storeu_ps(dbias + j, k, _mm512_add_ps(_mm512_maskz_loadu_ps(k, dbias + j), g));
    }
}
#endif

}  // namespace

void bias_dropout_residual_forward(const uint16_t* x, const float* bias, const float* residual,
                                   int64_t cols, int64_t begin, int64_t end,
                                   const DropoutMask& mask, float* z, Isa isa) {
#if BF_HAVE_AVX512_KERNELS
  if (use_avx512(isa)) return bdr_forward_avx512(x, bias, residual, cols, begin, end, mask, z);
#endif
  bdr_forward_scalar(x, bias, residual, cols, begin, end, mask, z);
}

void bias_dropout_residual_backward(const float* dz, int64_t cols, int64_t begin, int64_t end,
                                    const DropoutMask& mask, uint16_t* dx, float* dbias, Isa isa) {
#if BF_HAVE_AVX512_KERNELS
  if (use_avx512(isa)) return bdr_backward_avx512(dz, cols, begin, end, mask, dx, dbias);
#endif
  bdr_backward_scalar(dz, cols, begin, end, mask, dx, dbias);
}

}  // namespace bertforge::kernels
