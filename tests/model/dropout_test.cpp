// The counter-based dropout: the share dropped, the scale, the gradient, and that the mask is a
// pure function of its key (the same under any thread count, different for another key).
#include "model/dropout.h"

#include <gtest/gtest.h>

#include <cmath>

namespace bertforge {
namespace {

constexpr int64_t kN = 1 << 20;

TEST(Dropout, DropsTheShareAskedForAndScalesTheRest) {
  for (double p : {0.1, 0.5}) {
    auto x = torch::ones({kN});
    auto m = dropout_mask(x, p, 12345);
    const double dropped = (m == 0).sum().item<double>() / kN;
    // Binomial: standard deviation sqrt(p (1 - p) / n) < 0.0005; 6 of them.
    EXPECT_NEAR(dropped, p, 0.003) << "p " << p;
    auto kept = m.masked_select(m != 0);
    EXPECT_TRUE(torch::allclose(kept, torch::full_like(kept, 1.0 / (1.0 - p))));
  }
}

TEST(Dropout, NeighboursAreIndependent) {
  // Pairs (2i, 2i+1) come from one hash, (2i+1, 2i+2) from two: both must drop together with
  // probability p^2 (0.01 at p = 0.1; sd of the estimate ~0.00014).
  auto d = (dropout_mask(torch::ones({kN}), 0.1, 7) == 0).to(torch::kFloat);
  const double same_hash = (d.slice(0, 0, kN - 1, 2) * d.slice(0, 1, kN, 2)).mean().item<double>();
  const double next_hash = (d.slice(0, 1, kN - 1, 2) * d.slice(0, 2, kN, 2)).mean().item<double>();
  EXPECT_NEAR(same_hash, 0.01, 0.001);
  EXPECT_NEAR(next_hash, 0.01, 0.001);
}

TEST(Dropout, TheMaskIsAFunctionOfTheKeyAlone) {
  auto x = torch::ones({999, 37});
  const int threads = at::get_num_threads();
  at::set_num_threads(1);
  auto one = dropout_mask(x, 0.2, 99);
  at::set_num_threads(2);
  auto two = dropout_mask(x, 0.2, 99);
  at::set_num_threads(threads);
  EXPECT_TRUE(torch::equal(one, two));
  auto other = dropout_mask(x, 0.2, 100);
  EXPECT_GT((one != other).sum().item<int64_t>(), 999 * 37 / 5);  // ~32% of elements differ
  // bf16 masks drop the same elements.
  auto bf = dropout_mask(x.to(torch::kBFloat16), 0.2, 99);
  EXPECT_TRUE(torch::equal(bf == 0, one == 0));
}

TEST(Dropout, GradientPassesThroughTheSameMask) {
  torch::manual_seed(5);
  auto x = torch::randn({64, 33}, torch::requires_grad());
  auto y = apply_dropout(x, 0.3, true);
  y.sum().backward();
  // Where an element was dropped its gradient is 0, else 1 / (1 - p); y = x * that factor.
  auto factor = x.grad();
  EXPECT_TRUE(torch::allclose(y, x.detach() * factor));
  EXPECT_TRUE(((factor == 0) | (torch::abs(factor - 1 / 0.7) < 1e-6)).all().item<bool>());
  EXPECT_GT((factor == 0).sum().item<int64_t>(), 0);
}

TEST(Dropout, DrawsItsKeyFromTheReseededGenerator) {
  auto x = torch::ones({4096});
  torch::manual_seed(42);
  auto a = apply_dropout(x, 0.1, true), b = apply_dropout(x, 0.1, true);
  torch::manual_seed(42);
  auto a2 = apply_dropout(x, 0.1, true);
  EXPECT_TRUE(torch::equal(a, a2));  // same seed, same first key
  EXPECT_FALSE(torch::equal(a, b));  // the next call has its own key
}

TEST(Dropout, EvaluationAndZeroProbabilityLeaveTheInput) {
  auto x = torch::randn({10, 10});
  EXPECT_TRUE(apply_dropout(x, 0.5, false).is_same(x));
  EXPECT_TRUE(apply_dropout(x, 0.0, true).is_same(x));
  Dropout module(0.5);
  module->eval();
  EXPECT_TRUE(module(x).is_same(x));
}

}  // namespace
}  // namespace bertforge
