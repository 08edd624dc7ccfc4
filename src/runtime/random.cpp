#include "runtime/random.h"

#include <cmath>
#include <cstdio>
#include <stdexcept>

namespace bertforge {
namespace {
uint64_t splitmix64(uint64_t& x) {
  uint64_t z = (x += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}
uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
}  // namespace

uint64_t mix_seed(uint64_t seed, std::initializer_list<uint64_t> keys) {
  uint64_t x = seed;
  uint64_t h = splitmix64(x);
  for (uint64_t k : keys) {
    x = h ^ (k * 0xD6E8FEB86659FD93ULL);
    h = splitmix64(x);
  }
  return h;
}

Rng::Rng(uint64_t seed) {
  uint64_t x = seed;
  for (auto& v : s_) v = splitmix64(x);
}

Rng Rng::derive(uint64_t seed, std::initializer_list<uint64_t> keys) {
  return Rng(mix_seed(seed, keys));
}

uint64_t Rng::next_u64() {
  const uint64_t result = rotl(s_[1] * 5, 7) * 9;
  const uint64_t t = s_[1] << 17;
  s_[2] ^= s_[0];
  s_[3] ^= s_[1];
  s_[1] ^= s_[2];
  s_[0] ^= s_[3];
  s_[2] ^= t;
  s_[3] = rotl(s_[3], 45);
  return result;
}

double Rng::uniform() { return static_cast<double>(next_u64() >> 11) * 0x1.0p-53; }

uint64_t Rng::below(uint64_t n) {
  // Lemire's nearly-divisionless method, unbiased.
  __uint128_t m = static_cast<__uint128_t>(next_u64()) * n;
  uint64_t l = static_cast<uint64_t>(m);
  if (l < n) {
    uint64_t t = (0 - n) % n;
    while (l < t) {
      m = static_cast<__uint128_t>(next_u64()) * n;
      l = static_cast<uint64_t>(m);
    }
  }
  return static_cast<uint64_t>(m >> 64);
}

int64_t Rng::range(int64_t lo, int64_t hi) {
  return lo + static_cast<int64_t>(below(static_cast<uint64_t>(hi - lo + 1)));
}

int Rng::geometric(double p) {
  double u = 1.0 - uniform();  // (0, 1]
  return 1 + static_cast<int>(std::floor(std::log(u) / std::log1p(-p)));
}

}  // namespace bertforge
