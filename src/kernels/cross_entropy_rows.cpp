#include "kernels/cross_entropy_rows.h"

#include <cmath>
#include <limits>

#include "kernels/avx512.h"
#include "kernels/bf16.h"

namespace bertforge::kernels {

namespace {

float load_logit(const void* p, LogitsType t, int64_t i) {
  return t == LogitsType::kFloat32 ? static_cast<const float*>(p)[i]
                                   : bf16_to_float(static_cast<const uint16_t*>(p)[i]);
}

// ---- portable ----------------------------------------------------------------------------------

void xent_forward_scalar(const void* logits, LogitsType t, int64_t cols, const int64_t* labels,
                         int64_t begin, int64_t end, float* lse, float* nll, uint8_t* is_max) {
  for (int64_t r = begin; r < end; ++r) {
    const int64_t base = r * cols;
    float m = -std::numeric_limits<float>::infinity();
    bool nan = false;
    for (int64_t j = 0; j < cols; ++j) {
      const float x = load_logit(logits, t, base + j);
      nan |= std::isnan(x);
      m = x > m ? x : m;
    }
    float s = 0;
    for (int64_t j = 0; j < cols; ++j) s += std::exp(load_logit(logits, t, base + j) - m);
    const float x_label = load_logit(logits, t, base + labels[r]);
    lse[r] = nan ? std::numeric_limits<float>::quiet_NaN() : m + std::log(s);
    nll[r] = lse[r] - x_label;
    is_max[r] = x_label >= m;
  }
}

void xent_backward_scalar(const void* logits, LogitsType t, int64_t cols, const int64_t* labels,
                          const float* lse, float scale, int64_t begin, int64_t end, void* grad) {
  for (int64_t r = begin; r < end; ++r) {
    const int64_t base = r * cols;
    for (int64_t j = 0; j < cols; ++j) {
      float p = std::exp(load_logit(logits, t, base + j) - lse[r]);
      if (j == labels[r]) p -= 1;
      const float g = p * scale;
      if (t == LogitsType::kFloat32)
        static_cast<float*>(grad)[base + j] = g;
      else
        static_cast<uint16_t*>(grad)[base + j] = float_to_bf16(g);
    }
  }
}

// ---- AVX-512 (F + BW + VL) ---------------------------------------------------------------------
#if BF_HAVE_AVX512_KERNELS
using avx512::lanes;

// 16 logits from `p` (lanes outside `k` read nothing and are 0).
BF_AVX512 inline __m512 xent_load16(const void* p, LogitsType t, int64_t i, __mmask16 k) {
  if (t == LogitsType::kFloat32) return _mm512_maskz_loadu_ps(k, static_cast<const float*>(p) + i);
  return avx512::load_bf16(static_cast<const uint16_t*>(p) + i, k);
}

BF_AVX512 inline void xent_store16(void* p, LogitsType t, int64_t i, __mmask16 k, __m512 v) {
  if (t == LogitsType::kFloat32) return _mm512_mask_storeu_ps(static_cast<float*>(p) + i, k, v);
  avx512::store_bf16(static_cast<uint16_t*>(p) + i, k, v);
}

BF_AVX512 void xent_forward_avx512(const void* logits, LogitsType t, int64_t cols,
                                   const int64_t* labels, int64_t begin, int64_t end, float* lse,
                                   float* nll, uint8_t* is_max) {
  for (int64_t r = begin; r < end; ++r) {
    const int64_t base = r * cols;
    __m512 vmax = _mm512_set1_ps(-std::numeric_limits<float>::infinity());
    __mmask16 nan = 0;
    for (int64_t j = 0; j < cols; j += 16) {
      const __mmask16 k = lanes(cols - j);
      const __m512 x = xent_load16(logits, t, base + j, k);
      nan |= _mm512_mask_cmp_ps_mask(k, x, x, _CMP_UNORD_Q);
      vmax = _mm512_mask_max_ps(vmax, k, vmax, x);
    }
    const float m = _mm512_reduce_max_ps(vmax);
    const __m512 vm = _mm512_set1_ps(m);
    __m512 vsum = _mm512_setzero_ps();
    for (int64_t j = 0; j < cols; j += 16) {
      const __mmask16 k = lanes(cols - j);
      const __m512 e = avx512::exp(_mm512_sub_ps(xent_load16(logits, t, base + j, k), vm));
      vsum = _mm512_mask_add_ps(vsum, k, vsum, e);
    }
    const float x_label = load_logit(logits, t, base + labels[r]);
    lse[r] =
        nan ? std::numeric_limits<float>::quiet_NaN() : m + std::log(_mm512_reduce_add_ps(vsum));
    nll[r] = lse[r] - x_label;
    is_max[r] = x_label >= m;
  }
}

BF_AVX512 void xent_backward_avx512(const void* logits, LogitsType t, int64_t cols,
                                    const int64_t* labels, const float* lse, float scale,
                                    int64_t begin, int64_t end, void* grad) {
  const __m512 vscale = _mm512_set1_ps(scale), one = _mm512_set1_ps(1);
  for (int64_t r = begin; r < end; ++r) {
    const int64_t base = r * cols, label = labels[r];
    const __m512 vlse = _mm512_set1_ps(lse[r]);
    for (int64_t j = 0; j < cols; j += 16) {
      const __mmask16 k = lanes(cols - j);
      __m512 p = avx512::exp(_mm512_sub_ps(xent_load16(logits, t, base + j, k), vlse));
      if (label >= j && label < j + 16)
        p = _mm512_mask_sub_ps(p, __mmask16(1u << (label - j)), p, one);
      xent_store16(grad, t, base + j, k, _mm512_mul_ps(p, vscale));
    }
  }
}
#endif  // BF_HAVE_AVX512_KERNELS

}  // namespace

void cross_entropy_forward(const void* logits, LogitsType type, int64_t cols, const int64_t* labels,
                           int64_t begin, int64_t end, float* lse, float* nll,
                           uint8_t* label_is_max, Isa isa) {
#if BF_HAVE_AVX512_KERNELS
  if (use_avx512(isa))
    return xent_forward_avx512(logits, type, cols, labels, begin, end, lse, nll, label_is_max);
#endif
  xent_forward_scalar(logits, type, cols, labels, begin, end, lse, nll, label_is_max);
}

void cross_entropy_backward(const void* logits, LogitsType type, int64_t cols,
                            const int64_t* labels, const float* lse, float scale, int64_t begin,
                            int64_t end, void* grad, Isa isa) {
#if BF_HAVE_AVX512_KERNELS
  if (use_avx512(isa))
    return xent_backward_avx512(logits, type, cols, labels, lse, scale, begin, end, grad);
#endif
  xent_backward_scalar(logits, type, cols, labels, lse, scale, begin, end, grad);
}

}  // namespace bertforge::kernels
