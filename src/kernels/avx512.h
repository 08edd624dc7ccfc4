// The AVX-512 building blocks the CPU kernels share (included by their .cpp files only): bf16
// loads and stores, e^x, masks. Each function carries the target attribute, so files that include
// this compile without -mavx512f and run these only after cpu_has_avx512() said yes.
#pragma once

#if defined(__x86_64__)
#if defined(__GNUC__) && !defined(__clang__)
// GCC 12's AVX-512 headers start masked intrinsics from _mm512_undefined_*() and then warn about
// it where they are inlined (GCC bug 105593); the values are never read.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <immintrin.h>

#include <cstdint>

#include "kernels/counter_hash.h"

#define BF_HAVE_AVX512_KERNELS 1
#define BF_AVX512 __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq")))

namespace bertforge::kernels::avx512 {

// The first `n` lanes set (all 16 when n >= 16).
BF_AVX512 inline __mmask16 lanes(int64_t n) {
  return n >= 16 ? __mmask16(0xFFFF) : __mmask16((1u << n) - 1);
}

// 16 bf16 values from p (lanes outside k read nothing and are 0) as fp32.
BF_AVX512 inline __m512 load_bf16(const uint16_t* p, __mmask16 k) {
  const __m256i h = _mm256_maskz_loadu_epi16(k, p);
  return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(h), 16));
}

// fp32 -> bf16, rounded to nearest even (NaN -> 0x7FC0), stored to the lanes in k.
BF_AVX512 inline void store_bf16(uint16_t* p, __mmask16 k, __m512 v) {
  const __m512i b = _mm512_castps_si512(v);
  const __m512i bias = _mm512_add_epi32(
      _mm512_and_si512(_mm512_srli_epi32(b, 16), _mm512_set1_epi32(1)), _mm512_set1_epi32(0x7FFF));
  __m512i r = _mm512_srli_epi32(_mm512_add_epi32(b, bias), 16);
  r = _mm512_mask_mov_epi32(r, _mm512_cmp_ps_mask(v, v, _CMP_UNORD_Q), _mm512_set1_epi32(0x7FC0));
  _mm256_mask_storeu_epi16(p, k, _mm512_cvtepi32_epi16(r));
}

// e^x to ~1 ulp: x = n ln2 + r with |r| <= ln2 / 2, e^r by Cephes' expf polynomial, times 2^n by
// scalef (which underflows to 0 and overflows to inf as it should). NaN stays NaN.
BF_AVX512 inline __m512 exp(__m512 x) {
  x = _mm512_max_ps(_mm512_set1_ps(-104.0f), x);  // max(a, NaN) is NaN: keeps NaN
  x = _mm512_min_ps(_mm512_set1_ps(89.0f), x);
  const __m512 n = _mm512_roundscale_ps(_mm512_mul_ps(x, _mm512_set1_ps(1.44269504088896341f)),
                                        _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m512 r = _mm512_fnmadd_ps(n, _mm512_set1_ps(0.693359375f), x);
  r = _mm512_fnmadd_ps(n, _mm512_set1_ps(-2.12194440e-4f), r);
  __m512 p = _mm512_set1_ps(1.9875691500E-4f);
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.3981999507E-3f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(8.3334519073E-3f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(4.1665795894E-2f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.6666665459E-1f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(5.0000001201E-1f));
  const __m512 y = _mm512_add_ps(_mm512_fmadd_ps(_mm512_mul_ps(p, r), r, r), _mm512_set1_ps(1));
  return _mm512_scalef_ps(y, n);
}

// mask.keeps(i) for the elements i0 .. i0 + 15 (all kept when mask.threshold == 0). Each hash
// gives two elements' uniforms (kernels/counter_hash.h), 8 hashes 16 elements from an even index;
// from an odd one, the 32 elements around it shifted by one.
BF_AVX512 inline __mmask16 kept_from_even(const DropoutMask& mask, int64_t i0) {
  const __m512i counter =
      _mm512_add_epi64(_mm512_set1_epi64(i0 / 2 + 1), _mm512_set_epi64(7, 6, 5, 4, 3, 2, 1, 0));
  __m512i z =
      _mm512_add_epi64(_mm512_set1_epi64(int64_t(mask.key)),
                       _mm512_mullo_epi64(counter, _mm512_set1_epi64(0x9E3779B97F4A7C15LL)));
  z = _mm512_mullo_epi64(_mm512_xor_si512(z, _mm512_srli_epi64(z, 30)),
                         _mm512_set1_epi64(int64_t(0xBF58476D1CE4E5B9ULL)));
  z = _mm512_mullo_epi64(_mm512_xor_si512(z, _mm512_srli_epi64(z, 27)),
                         _mm512_set1_epi64(int64_t(0x94D049BB133111EBULL)));
  z = _mm512_xor_si512(z, _mm512_srli_epi64(z, 31));
  return _mm512_cmpge_epu32_mask(z, _mm512_set1_epi32(int32_t(mask.threshold)));
}

BF_AVX512 inline __mmask16 kept16(const DropoutMask& mask, int64_t i0) {
  if (mask.threshold == 0) return 0xFFFF;
  if (i0 % 2 == 0) return kept_from_even(mask, i0);
  const uint32_t both =
      uint32_t(kept_from_even(mask, i0 - 1)) | uint32_t(kept_from_even(mask, i0 + 15)) << 16;
  return __mmask16(both >> 1);
}

}  // namespace bertforge::kernels::avx512
#endif  // __x86_64__
