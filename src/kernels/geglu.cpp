#include "kernels/geglu.h"

#include "kernels/avx512.h"
#include "kernels/bf16.h"
#include "kernels/gelu_math.h"

namespace bertforge::kernels {
namespace {

float geglu_keep(const DropoutMask& mask, int64_t i) {
  return mask.threshold == 0 ? 1.0f : mask.keeps(uint64_t(i)) ? mask.scale : 0.0f;
}

// ---- portable ----------------------------------------------------------------------------------

void geglu_forward_scalar(const uint16_t* h, int64_t inner, int64_t begin, int64_t end,
                          const DropoutMask& mask, uint16_t* y) {
  for (int64_t r = begin; r < end; ++r)
    for (int64_t j = 0; j < inner; ++j) {
      const float a = bf16_to_float(h[r * 2 * inner + j]);
      const float g = bf16_to_float(h[r * 2 * inner + inner + j]);
      y[r * inner + j] = float_to_bf16(a * normal_cdf(a) * g * geglu_keep(mask, r * inner + j));
    }
}

void geglu_backward_scalar(const uint16_t* h, const uint16_t* dy, int64_t inner, int64_t begin,
                           int64_t end, const DropoutMask& mask, uint16_t* dh) {
  for (int64_t r = begin; r < end; ++r)
    for (int64_t j = 0; j < inner; ++j) {
      const int64_t ia = r * 2 * inner + j, ig = ia + inner, iy = r * inner + j;
      const float a = bf16_to_float(h[ia]), g = bf16_to_float(h[ig]);
      const float e = bf16_to_float(dy[iy]) * geglu_keep(mask, iy), cdf = normal_cdf(a);
      dh[ia] = float_to_bf16(e * g * (cdf + a * normal_pdf(a)));
      dh[ig] = float_to_bf16(e * a * cdf);
    }
}

// ---- AVX-512 -----------------------------------------------------------------------------------
#if BF_HAVE_AVX512_KERNELS
using avx512::kept16;
using avx512::lanes;
using avx512::load_bf16;
using avx512::store_bf16;

BF_AVX512 void geglu_forward_avx512(const uint16_t* h, int64_t inner, int64_t begin, int64_t end,
                                    const DropoutMask& mask, uint16_t* y) {
  const __m512 scale = _mm512_set1_ps(mask.threshold == 0 ? 1.0f : mask.scale);
  for (int64_t r = begin; r < end; ++r)
    for (int64_t j = 0; j < inner; j += 16) {
      const __mmask16 k = lanes(inner - j);
      const int64_t ia = r * 2 * inner + j, iy = r * inner + j;
      const __m512 a = load_bf16(h + ia, k), g = load_bf16(h + ia + inner, k);
      __m512 pdf;
      const __m512 v = _mm512_mul_ps(_mm512_mul_ps(a, avx512::normal_cdf(a, &pdf)), g);
      store_bf16(y + iy, k, _mm512_maskz_mul_ps(kept16(mask, iy), v, scale));
    }
}

BF_AVX512 void geglu_backward_avx512(const uint16_t* h, const uint16_t* dy, int64_t inner,
                                     int64_t begin, int64_t end, const DropoutMask& mask,
                                     uint16_t* dh) {
  const __m512 scale = _mm512_set1_ps(mask.threshold == 0 ? 1.0f : mask.scale);
  for (int64_t r = begin; r < end; ++r)
    for (int64_t j = 0; j < inner; j += 16) {
      const __mmask16 k = lanes(inner - j);
      const int64_t ia = r * 2 * inner + j, iy = r * inner + j;
      const __m512 a = load_bf16(h + ia, k), g = load_bf16(h + ia + inner, k);
      const __m512 e = _mm512_maskz_mul_ps(kept16(mask, iy), load_bf16(dy + iy, k), scale);
      __m512 pdf;
      const __m512 cdf = avx512::normal_cdf(a, &pdf);
      const __m512 da = _mm512_mul_ps(_mm512_mul_ps(e, g), _mm512_fmadd_ps(a, pdf, cdf));
      store_bf16(dh + ia, k, da);
      store_bf16(dh + ia + inner, k, _mm512_mul_ps(_mm512_mul_ps(e, a), cdf));
    }
}
#endif

}  // namespace

void geglu_forward(const uint16_t* h, int64_t inner, int64_t begin, int64_t end,
                   const DropoutMask& mask, uint16_t* y, Isa isa) {
#if BF_HAVE_AVX512_KERNELS
  if (use_avx512(isa)) return geglu_forward_avx512(h, inner, begin, end, mask, y);
#endif
  geglu_forward_scalar(h, inner, begin, end, mask, y);
}

void geglu_backward(const uint16_t* h, const uint16_t* dy, int64_t inner, int64_t begin,
                    int64_t end, const DropoutMask& mask, uint16_t* dh, Isa isa) {
#if BF_HAVE_AVX512_KERNELS
  if (use_avx512(isa)) return geglu_backward_avx512(h, dy, inner, begin, end, mask, dh);
#endif
  geglu_backward_scalar(h, dy, inner, begin, end, mask, dh);
}

}  // namespace bertforge::kernels
