#include "kernels/adamw.h"

#include <cmath>

#include "kernels/avx512.h"

namespace bertforge::kernels {
namespace {

void adamw_scalar(float* __restrict w, const float* __restrict g, float* __restrict m,
                  float* __restrict v, int64_t begin, int64_t end, const AdamWScalars& s) {
  for (int64_t i = begin; i < end; ++i) {
    const float wi = s.decays ? w[i] * s.decay : w[i];                  // p.mul_(1 - lr * wd)
    const float mi = m[i] * s.beta1 + s.one_minus_beta1 * g[i];         // m.mul_(b1).add_(g, 1-b1)
    const float vi = v[i] * s.beta2 + s.one_minus_beta2 * g[i] * g[i];  // v.mul_(b2).addcmul_
    const float denom = std::sqrt(vi) / s.sqrt_c2 + s.eps;              // sqrt(v)/sqrt(c2)+eps
    w[i] = wi + s.neg_step * mi / denom;                                // p.addcdiv_(m, denom)
    m[i] = mi, v[i] = vi;
  }
}

#if BF_HAVE_AVX512_KERNELS
BF_AVX512 void adamw_avx512(float* w, const float* g, float* m, float* v, int64_t begin,
                            int64_t end, const AdamWScalars& s) {
  const __m512 decay = _mm512_set1_ps(s.decays ? s.decay : 1.0f);
  const __m512 b1 = _mm512_set1_ps(s.beta1), c1 = _mm512_set1_ps(s.one_minus_beta1);
  const __m512 b2 = _mm512_set1_ps(s.beta2), c2 = _mm512_set1_ps(s.one_minus_beta2);
  const __m512 sqrt_c2 = _mm512_set1_ps(s.sqrt_c2), eps = _mm512_set1_ps(s.eps);
  const __m512 neg_step = _mm512_set1_ps(s.neg_step);
  for (int64_t i = begin; i < end; i += 16) {
    const __mmask16 k = avx512::lanes(end - i);
    const __m512 gi = _mm512_maskz_loadu_ps(k, g + i);
    __m512 wi = _mm512_maskz_loadu_ps(k, w + i);
    if (s.decays) wi = _mm512_mul_ps(wi, decay);
    const __m512 mi =
        _mm512_add_ps(_mm512_mul_ps(_mm512_maskz_loadu_ps(k, m + i), b1), _mm512_mul_ps(c1, gi));
    const __m512 vi = _mm512_add_ps(_mm512_mul_ps(_mm512_maskz_loadu_ps(k, v + i), b2),
                                    _mm512_mul_ps(_mm512_mul_ps(c2, gi), gi));
    const __m512 denom = _mm512_add_ps(_mm512_div_ps(_mm512_sqrt_ps(vi), sqrt_c2), eps);
    wi = _mm512_add_ps(wi, _mm512_div_ps(_mm512_mul_ps(neg_step, mi), denom));
    _mm512_mask_storeu_ps(w + i, k, wi);
    _mm512_mask_storeu_ps(m + i, k, mi);
    _mm512_mask_storeu_ps(v + i, k, vi);
  }
}
#endif

}  // namespace

void adamw_update(float* w, const float* g, float* m, float* v, int64_t begin, int64_t end,
                  const AdamWScalars& s, Isa isa) {
#if BF_HAVE_AVX512_KERNELS
  if (use_avx512(isa)) return adamw_avx512(w, g, m, v, begin, end, s);
#endif
  adamw_scalar(w, g, m, v, begin, end, s);
}

}  // namespace bertforge::kernels
