// The counter-based hash behind bertforge's dropout masks (model/dropout.h): SplitMix64's output
// function on the state key + (i + 1) * golden ratio, a full-period, well mixed hash of the counter
// i (Steele, Lea and Flood, "Fast splittable pseudorandom number generators", 2014). One hash
// gives the 32-bit uniforms of two elements: element 2i the low half, 2i + 1 the high half.
#pragma once

#include <cmath>
#include <cstdint>

namespace bertforge::kernels {

inline uint64_t splitmix(uint64_t key, uint64_t i) {
  uint64_t z = key + (i + 1) * 0x9E3779B97F4A7C15ULL;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

// Element i of a tensor is kept when its uniform u (in [0, 2^32)) is >= threshold, and then scaled
// by `scale`; P(kept) = 1 - p to within 2^-32.
struct DropoutMask {
  uint64_t key = 0;
  uint32_t threshold = 0;  // 0: every element kept (p = 0, or evaluation)
  float scale = 1;

  static DropoutMask of(double p, uint64_t key) {
    return {key, static_cast<uint32_t>(std::llround(p * 4294967296.0)), float(1.0 / (1.0 - p))};
  }
  bool keeps(uint64_t i) const {
    const uint64_t z = splitmix(key, i / 2);
    return static_cast<uint32_t>(i % 2 ? z >> 32 : z) >= threshold;
  }
};

}  // namespace bertforge::kernels
