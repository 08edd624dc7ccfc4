// Choosing the next token (model/sampling.h): greedy, top-k, top-p and temperature sampling,
// checked against hand-computed choices and probabilities.
#include "model/sampling.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <stdexcept>

#include "runtime/random.h"

namespace bertforge {
namespace {

const float kNone = -std::numeric_limits<float>::infinity();

TEST(Sampling, GreedyTakesTheLowestIdAmongMaxima) {
  Rng rng(1);
  EXPECT_EQ(choose_token({0.5f, 2.0f, -1.0f, 2.0f}, {}, rng), 1);
  EXPECT_EQ(choose_token({kNone, 0.1f, 0.3f}, {}, rng), 2);
}

TEST(Sampling, NeverChoosesAnExcludedId) {
  SamplingOptions o;
  o.temperature = 5.0;  // nearly uniform
  Rng rng(2);
  for (int i = 0; i < 500; ++i) EXPECT_NE(choose_token({1.0f, kNone, 1.0f}, o, rng), 1);
  EXPECT_THROW(choose_token({kNone, kNone}, o, rng), std::invalid_argument);
}

TEST(Sampling, TopKOneAndTinyTopPAreGreedy) {
  SamplingOptions k1;
  k1.temperature = 1.0, k1.top_k = 1;
  SamplingOptions p0;
  p0.temperature = 1.0, p0.top_p = 1e-6;
  Rng rng(3);
  for (int i = 0; i < 100; ++i) {
    EXPECT_EQ(choose_token({0.0f, 1.0f, 0.9f}, k1, rng), 1);
    EXPECT_EQ(choose_token({0.0f, 1.0f, 0.9f}, p0, rng), 1);
  }
}

// logits log(1), log(2), log(3), log(4): p = 0.1, 0.2, 0.3, 0.4 at temperature 1. With top_k 2:
// 3/7 and 4/7. With top_p 0.6: the nucleus {3, 2} (0.4 + 0.3 >= 0.6), again 3/7 and 4/7. At
// temperature 0.5 the probabilities go as the squares: 1/30, 4/30, 9/30, 16/30.
TEST(Sampling, FrequenciesFollowTheDistribution) {
  const std::vector<float> logits{std::log(1.0f), std::log(2.0f), std::log(3.0f), std::log(4.0f)};
  auto freq = [&](SamplingOptions o) {
    Rng rng(4);
    std::vector<double> f(4, 0.0);
    const int n = 40000;
    for (int i = 0; i < n; ++i) f[static_cast<size_t>(choose_token(logits, o, rng))] += 1.0 / n;
    return f;
  };
  SamplingOptions plain;
  plain.temperature = 1.0;
  auto f = freq(plain);
  for (int i = 0; i < 4; ++i) EXPECT_NEAR(f[i], (i + 1) / 10.0, 0.01) << i;
  SamplingOptions k2 = plain;
  k2.top_k = 2;
  f = freq(k2);
  EXPECT_EQ(f[0] + f[1], 0.0);
  EXPECT_NEAR(f[2], 3.0 / 7, 0.01);
  SamplingOptions p6 = plain;
  p6.top_p = 0.6;
  f = freq(p6);
  EXPECT_EQ(f[0] + f[1], 0.0);
  EXPECT_NEAR(f[3], 4.0 / 7, 0.01);
  SamplingOptions cold = plain;
  cold.temperature = 0.5;
  f = freq(cold);
  for (int i = 0; i < 4; ++i) EXPECT_NEAR(f[i], (i + 1) * (i + 1) / 30.0, 0.01) << i;
}

}  // namespace
}  // namespace bertforge
