#include "kernels/adamw.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

namespace bertforge::kernels {
namespace {

struct State {
  std::vector<float> w, g, m, v;
};

State random_state(int64_t n, uint32_t seed) {
  std::mt19937 gen{seed};
  std::normal_distribution<float> normal(0, 1);
  State s;
  for (int64_t i = 0; i < n; ++i) {
    s.w.push_back(normal(gen)), s.g.push_back(normal(gen) * 1e-2f);
    s.m.push_back(normal(gen) * 1e-3f), s.v.push_back(std::abs(normal(gen)) * 1e-5f);
  }
  return s;
}

AdamWScalars step_scalars(int step, bool decays) {
  const double lr = 1e-3, wd = 0.01, b1 = 0.9, b2 = 0.999;
  const double c1 = 1 - std::pow(b1, step), c2 = 1 - std::pow(b2, step);
  return {float(1 - lr * wd),   float(b1),   float(1 - b1),     float(b2), float(1 - b2),
          float(std::sqrt(c2)), float(1e-6), float(-(lr / c1)), decays};
}

TEST(AdamW, FollowsTheFormulaInDouble) {
  const int64_t n = 37;
  State s = random_state(n, 1);
  const State before = s;
  const AdamWScalars k = step_scalars(3, true);
  adamw_update(s.w.data(), s.g.data(), s.m.data(), s.v.data(), 0, n, k, Isa::kScalar);
  for (int64_t i = 0; i < n; ++i) {
    const double g = before.g[i];
    const double m = 0.9 * before.m[i] + 0.1 * g, v = 0.999 * before.v[i] + 0.001 * g * g;
    const double c1 = 1 - std::pow(0.9, 3), c2 = 1 - std::pow(0.999, 3);
    const double w =
        before.w[i] * (1 - 1e-5) - 1e-3 / c1 * m / (std::sqrt(v) / std::sqrt(c2) + 1e-6);
    EXPECT_NEAR(s.m[i], m, 1e-6 * std::abs(m) + 1e-12);
    EXPECT_NEAR(s.v[i], v, 1e-6 * v + 1e-15);
    EXPECT_NEAR(s.w[i], w, 1e-6 * std::abs(w) + 1e-9);
  }
}

TEST(AdamW, Avx512GivesTheScalarBitsOnAnyRange) {
  if (!cpu_has_avx512()) GTEST_SKIP() << "no AVX-512 on this CPU";
  for (int64_t n : {1, 15, 16, 17, 1000})
    for (bool decays : {true, false}) {
      State a = random_state(n + 3, uint32_t(n)), b = a;
      const AdamWScalars k = step_scalars(7, decays);
      // [2, n + 1): unaligned start, and the elements outside stay as they were
      adamw_update(a.w.data(), a.g.data(), a.m.data(), a.v.data(), 2, n + 1, k, Isa::kScalar);
      adamw_update(b.w.data(), b.g.data(), b.m.data(), b.v.data(), 2, n + 1, k, Isa::kAvx512);
      EXPECT_EQ(a.w, b.w) << n;
      EXPECT_EQ(a.m, b.m) << n;
      EXPECT_EQ(a.v, b.v) << n;
      const State fresh = random_state(n + 3, uint32_t(n));
      for (int64_t i : {int64_t(0), int64_t(1), n + 1, n + 2})
        EXPECT_EQ(b.w[i], fresh.w[i]) << "outside the range, " << i;
    }
}

}  // namespace
}  // namespace bertforge::kernels
