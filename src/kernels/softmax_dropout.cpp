#include "kernels/softmax_dropout.h"

#include <cmath>
#include <limits>
#include <vector>

#include "kernels/avx512.h"
#include "kernels/bf16.h"

namespace bertforge::kernels {
namespace {

float keep_scale(const DropoutMask& mask, int64_t i) {
  return mask.threshold == 0 ? 1.0f : mask.keeps(uint64_t(i)) ? mask.scale : 0.0f;
}

// ---- portable ----------------------------------------------------------------------------------

void sd_forward_scalar(const uint16_t* s, int64_t cols, int64_t begin, int64_t end,
                       const DropoutMask& mask, uint16_t* p, uint16_t* dropped) {
  std::vector<float> e(static_cast<size_t>(cols));
  for (int64_t r = begin; r < end; ++r) {
    const int64_t base = r * cols;
    float m = -std::numeric_limits<float>::infinity(), sum = 0;
    for (int64_t j = 0; j < cols; ++j) m = std::fmax(m, bf16_to_float(s[base + j]));
    for (int64_t j = 0; j < cols; ++j) sum += e[j] = std::exp(bf16_to_float(s[base + j]) - m);
    for (int64_t j = 0; j < cols; ++j) {
      const float pj = e[j] / sum;
      p[base + j] = float_to_bf16(pj);
      if (dropped) dropped[base + j] = float_to_bf16(pj * keep_scale(mask, base + j));
    }
  }
}

void sd_backward_scalar(const uint16_t* p, const uint16_t* dd, int64_t cols, int64_t begin,
                        int64_t end, const DropoutMask& mask, uint16_t* ds) {
  for (int64_t r = begin; r < end; ++r) {
    const int64_t base = r * cols;
    float dot = 0;
    for (int64_t j = 0; j < cols; ++j)
      dot += bf16_to_float(dd[base + j]) * keep_scale(mask, base + j) * bf16_to_float(p[base + j]);
    for (int64_t j = 0; j < cols; ++j) {
      const float g = bf16_to_float(dd[base + j]) * keep_scale(mask, base + j);
      ds[base + j] = float_to_bf16(bf16_to_float(p[base + j]) * (g - dot));
    }
  }
}

// ---- AVX-512 -----------------------------------------------------------------------------------
#if BF_HAVE_AVX512_KERNELS
using avx512::kept16;
using avx512::lanes;
using avx512::load_bf16;
using avx512::store_bf16;

BF_AVX512 void sd_forward_avx512(const uint16_t* s, int64_t cols, int64_t begin, int64_t end,
                                 const DropoutMask& mask, uint16_t* p, uint16_t* dropped) {
  std::vector<float> e(static_cast<size_t>(cols));
  const __m512 scale = _mm512_set1_ps(mask.threshold == 0 ? 1.0f : mask.scale);
  for (int64_t r = begin; r < end; ++r) {
    const int64_t base = r * cols;
    __m512 vmax = _mm512_set1_ps(-std::numeric_limits<float>::infinity());
    for (int64_t j = 0; j < cols; j += 16)
      vmax =
          _mm512_mask_max_ps(vmax, lanes(cols - j), vmax, load_bf16(s + base + j, lanes(cols - j)));
    const __m512 m = _mm512_set1_ps(_mm512_reduce_max_ps(vmax));
    __m512 vsum = _mm512_setzero_ps();
    for (int64_t j = 0; j < cols; j += 16) {
      const __mmask16 k = lanes(cols - j);
      const __m512 x = avx512::exp(_mm512_sub_ps(load_bf16(s + base + j, k), m));
      _mm512_mask_storeu_ps(e.data() + j, k, x);
      vsum = _mm512_mask_add_ps(vsum, k, vsum, x);
    }
    const __m512 inv = _mm512_set1_ps(1.0f / _mm512_reduce_add_ps(vsum));
    for (int64_t j = 0; j < cols; j += 16) {
      const __mmask16 k = lanes(cols - j);
      const __m512 pj = _mm512_mul_ps(_mm512_maskz_loadu_ps(k, e.data() + j), inv);
      store_bf16(p + base + j, k, pj);
      if (dropped)
        store_bf16(dropped + base + j, k, _mm512_maskz_mul_ps(kept16(mask, base + j), pj, scale));
    }
  }
}

BF_AVX512 void sd_backward_avx512(const uint16_t* p, const uint16_t* dd, int64_t cols,
                                  int64_t begin, int64_t end, const DropoutMask& mask,
                                  uint16_t* ds) {
  const __m512 scale = _mm512_set1_ps(mask.threshold == 0 ? 1.0f : mask.scale);
  for (int64_t r = begin; r < end; ++r) {
    const int64_t base = r * cols;
    __m512 vdot = _mm512_setzero_ps();
    for (int64_t j = 0; j < cols; j += 16) {
      const __mmask16 k = lanes(cols - j);
      const __m512 g =
          _mm512_maskz_mul_ps(kept16(mask, base + j), load_bf16(dd + base + j, k), scale);
      vdot = _mm512_fmadd_ps(g, load_bf16(p + base + j, k), vdot);
    }
    const __m512 dot = _mm512_set1_ps(_mm512_reduce_add_ps(vdot));
    for (int64_t j = 0; j < cols; j += 16) {
      const __mmask16 k = lanes(cols - j);
      const __m512 g =
          _mm512_maskz_mul_ps(kept16(mask, base + j), load_bf16(dd + base + j, k), scale);
      store_bf16(ds + base + j, k,
                 _mm512_mul_ps(load_bf16(p + base + j, k), _mm512_sub_ps(g, dot)));
    }
  }
}
#endif

}  // namespace

void softmax_dropout_forward(const uint16_t* s, int64_t cols, int64_t begin, int64_t end,
                             const DropoutMask& mask, uint16_t* p, uint16_t* dropped, Isa isa) {
#if BF_HAVE_AVX512_KERNELS
  if (use_avx512(isa)) return sd_forward_avx512(s, cols, begin, end, mask, p, dropped);
#endif
  sd_forward_scalar(s, cols, begin, end, mask, p, dropped);
}

void softmax_dropout_backward(const uint16_t* p, const uint16_t* d_dropped, int64_t cols,
                              int64_t begin, int64_t end, const DropoutMask& mask, uint16_t* ds,
                              Isa isa) {
#if BF_HAVE_AVX512_KERNELS
  if (use_avx512(isa)) return sd_backward_avx512(p, d_dropped, cols, begin, end, mask, ds);
#endif
  sd_backward_scalar(p, d_dropped, cols, begin, end, mask, ds);
}

}  // namespace bertforge::kernels
