// bf16 <-> fp32 one value at a time, as LibTorch converts (c10::BFloat16): the top 16 bits of the
// fp32 pattern, rounded to nearest even; NaN stays NaN (0x7FC0).
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>

namespace bertforge::kernels {

inline float bf16_to_float(uint16_t b) {
  const uint32_t bits = uint32_t(b) << 16;
  float f;
  std::memcpy(&f, &bits, sizeof f);
  return f;
}

inline uint16_t float_to_bf16(float f) {
  if (std::isnan(f)) return 0x7FC0;
  uint32_t bits;
  std::memcpy(&bits, &f, sizeof bits);
  return uint16_t((bits + ((bits >> 16) & 1) + 0x7FFF) >> 16);
}

}  // namespace bertforge::kernels
