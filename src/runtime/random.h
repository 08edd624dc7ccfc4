// Explicit, seeded random number generation. There is no global RNG in bertforge: every consumer
// owns an Rng, usually derived from (seed, purpose, indices...) so that a random decision is a pure
// function of where it happens (epoch, example, rank) and not of what ran before it.
#pragma once

#include <array>
#include <cstdint>
#include <initializer_list>
#include <string>

namespace bertforge {

// Mixes a seed and a list of keys into one 64-bit value (splitmix64 chain).
uint64_t mix_seed(uint64_t seed, std::initializer_list<uint64_t> keys);

// xoshiro256** generator. Small state that can be saved and restored exactly.
class Rng {
 public:
  explicit Rng(uint64_t seed = 0);
  // Generator for a derived stream: Rng(mix_seed(seed, keys)).
  static Rng derive(uint64_t seed, std::initializer_list<uint64_t> keys);

  uint64_t next_u64();
  // Uniform double in [0, 1).
  double uniform();
  // Uniform integer in [0, n); n must be > 0.
  uint64_t below(uint64_t n);
  // Uniform integer in [lo, hi] inclusive.
  int64_t range(int64_t lo, int64_t hi);
  // Number of trials until the first success, >= 1, success probability p.
  int geometric(double p);

 private:
  std::array<uint64_t, 4> s_;
};

// Fisher-Yates shuffle of a random-access container with an explicit generator.
template <class Container>
void shuffle(Container& c, Rng& rng) {
  for (size_t i = c.size(); i > 1; --i) {
    size_t j = static_cast<size_t>(rng.below(i));
    std::swap(c[i - 1], c[j]);
  }
}

}  // namespace bertforge
