#include "optim/lamb.h"

#include <gtest/gtest.h>

#include <cmath>
#include <sstream>

#include "optim/optimizer.h"

namespace bertforge {
namespace {

using torch::optim::AdamWOptions;

std::vector<torch::optim::OptimizerParamGroup> one_group(const torch::Tensor& w) {
  return {torch::optim::OptimizerParamGroup({w})};
}

TEST(Lamb, FirstStepByHand) {
  // w = (3, 4), g = (1, 2), lr 0.1, wd 0.01, eps 0. Step 1: the bias-corrected moments are g and
  // g^2, so m^/sqrt(v^) = (1, 1); u = (1, 1) + 0.01 * (3, 4) = (1.03, 1.04);
  // ||w|| = 5, ||u|| = sqrt(1.03^2 + 1.04^2) = sqrt(2.1425); trust ratio 5 / sqrt(2.1425).
  auto w = torch::tensor({3.0, 4.0}, torch::dtype(torch::kFloat64).requires_grad(true));
  Lamb opt(one_group(w), AdamWOptions(0.1).eps(0).weight_decay(0.01));
  w.mutable_grad() = torch::tensor({1.0, 2.0}, torch::kFloat64);
  opt.step();
  const double ratio = 5.0 / std::sqrt(2.1425);
  EXPECT_NEAR(w[0].item<double>(), 3.0 - 0.1 * ratio * 1.03, 1e-12);
  EXPECT_NEAR(w[1].item<double>(), 4.0 - 0.1 * ratio * 1.04, 1e-12);
}

TEST(Lamb, SecondStepUsesTheMoments) {
  // Step 2 with g2 = (1, 0) after g1 = (1, 2), w1 from step 1, betas (0.9, 0.999), wd 0:
  // m = 0.9 * 0.1 * g1 + 0.1 * g2, v = 0.999 * 0.001 * g1^2 + 0.001 * g2^2, both divided by
  // (1 - beta^2); without weight decay there is no trust ratio (the plain Adam step).
  auto w = torch::tensor({3.0, 4.0}, torch::dtype(torch::kFloat64).requires_grad(true));
  Lamb opt(one_group(w), AdamWOptions(0.1).eps(0).weight_decay(0));
  w.mutable_grad() = torch::tensor({1.0, 2.0}, torch::kFloat64);
  opt.step();
  const double w0 = 3.0 - 0.1, w1 = 4.0 - 0.1;  // step 1: u = (1, 1), ratio 1
  EXPECT_NEAR(w[0].item<double>(), w0, 1e-12);
  w.mutable_grad() = torch::tensor({1.0, 0.0}, torch::kFloat64);
  opt.step();
  const double c1 = 1 - 0.9 * 0.9, c2 = 1 - 0.999 * 0.999;
  const double m0 = (0.9 * 0.1 * 1 + 0.1 * 1) / c1, m1 = (0.9 * 0.1 * 2 + 0.1 * 0) / c1;
  const double v0 = (0.999 * 0.001 * 1 + 0.001 * 1) / c2, v1 = (0.999 * 0.001 * 4 + 0) / c2;
  EXPECT_NEAR(w[0].item<double>(), w0 - 0.1 * m0 / std::sqrt(v0), 1e-12);
  EXPECT_NEAR(w[1].item<double>(), w1 - 0.1 * m1 / std::sqrt(v1), 1e-12);
}

TEST(Lamb, ZeroWeightsTakeTheUnscaledStep) {
  auto w = torch::zeros({2}, torch::dtype(torch::kFloat64).requires_grad(true));
  Lamb opt(one_group(w), AdamWOptions(0.1).eps(0).weight_decay(0.01));
  w.mutable_grad() = torch::tensor({1.0, -2.0}, torch::kFloat64);
  opt.step();  // ||w|| = 0: ratio 1, u = sign(g)
  EXPECT_NEAR(w[0].item<double>(), -0.1, 1e-12);
  EXPECT_NEAR(w[1].item<double>(), 0.1, 1e-12);
}

TEST(Lamb, StateRoundTripsThroughAdamWSerialization) {
  // A checkpoint saves the optimizer with torch::save; a resumed LAMB must continue identically.
  auto make = [] {
    return torch::tensor({3.0, 4.0, -1.0}, torch::dtype(torch::kFloat64).requires_grad(true));
  };
  auto grad = [](int k) { return torch::tensor({1.0 * k, -2.0, 0.5}, torch::kFloat64); };
  auto a = make();
  Lamb straight(one_group(a), AdamWOptions(0.05).weight_decay(0.01));
  for (int k = 1; k <= 3; ++k) a.mutable_grad() = grad(k), straight.step();

  auto b = make();
  Lamb first(one_group(b), AdamWOptions(0.05).weight_decay(0.01));
  for (int k = 1; k <= 2; ++k) b.mutable_grad() = grad(k), first.step();
  std::stringstream buf;
  torch::save(first, buf);
  auto c = b.detach().clone().requires_grad_(true);
  Lamb resumed(one_group(c), AdamWOptions(0.05).weight_decay(0.01));
  torch::load(resumed, buf);
  c.mutable_grad() = grad(3), resumed.step();
  EXPECT_TRUE(torch::equal(a, c)) << a << c;
}

TEST(Lamb, ChosenByTheConfig) {
  torch::nn::Linear lin(2, 2);
  TrainConfig t;
  t.optimizer = "lamb";
  EXPECT_NE(dynamic_cast<Lamb*>(make_optimizer(*lin, t).get()), nullptr);
  t.optimizer = "adamw";
  EXPECT_EQ(dynamic_cast<Lamb*>(make_optimizer(*lin, t).get()), nullptr);
}

}  // namespace
}  // namespace bertforge
