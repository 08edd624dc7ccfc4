#include "train/loss.h"

#include <gtest/gtest.h>

#include <cmath>

namespace bertforge {
namespace {

// Logits whose softmax puts probability p on `index` and spreads the rest evenly over V-1 others.
torch::Tensor logits_with_prob(double p, int64_t index, int64_t V) {
  double rest = (1.0 - p) / (V - 1);
  auto probs = torch::full({V}, rest, torch::kFloat64);
  probs[index] = p;
  return probs.log().to(torch::kFloat32);
}

TEST(Loss, SeedFormulaByHand) {
  // P(correct) = 0.7 -> -ln 0.7 = 0.35667494
  auto logits = logits_with_prob(0.7, 2, 4).unsqueeze(0);
  auto parts = pretraining_loss(logits, torch::tensor({2}, torch::kInt64), {}, {}, 1.0);
  EXPECT_NEAR(parts.mlm_loss.item<double>(), 0.3567, 1e-4);
  EXPECT_EQ(parts.mlm_correct, 1);
  EXPECT_EQ(parts.nsp_count, 0);
  EXPECT_NEAR(parts.loss.item<double>(), 0.3567, 1e-4);
}

TEST(Loss, MeanOverMaskedPositions) {
  // Two masked positions: P = 0.7 and P = 0.1 -> (0.35667 + 2.30259) / 2 = 1.32963
  auto logits = torch::stack({logits_with_prob(0.7, 1, 5), logits_with_prob(0.1, 3, 5)});
  auto parts = pretraining_loss(logits, torch::tensor({1, 3}, torch::kInt64), {}, {}, 1.0);
  EXPECT_NEAR(parts.mlm_loss.item<double>(), 1.32963, 1e-4);
  EXPECT_EQ(parts.mlm_correct, 1);  // the second position's label (0.1) is not the argmax (0.225)
}

TEST(Loss, NspAddsWeightedCrossEntropy) {
  auto mlm = logits_with_prob(0.7, 0, 3).unsqueeze(0);
  // NSP: P(label) = 0.9 -> -ln 0.9 = 0.10536; weight 0.5 -> total 0.35667 + 0.05268 = 0.40935
  auto nsp = torch::tensor({{std::log(0.9), std::log(0.1)}}, torch::kFloat32);
  auto parts = pretraining_loss(mlm, torch::tensor({0}, torch::kInt64), nsp,
                                torch::tensor({0}, torch::kInt64), 0.5);
  EXPECT_NEAR(parts.nsp_loss.item<double>(), 0.10536, 1e-4);
  EXPECT_NEAR(parts.loss.item<double>(), 0.40935, 1e-4);
  EXPECT_EQ(parts.nsp_correct, 1);
}

TEST(Loss, GlobalDenominator) {
  // With 4 masked positions in the whole global batch, this shard's one position weighs 1/4.
  auto logits = logits_with_prob(0.7, 2, 4).unsqueeze(0);
  auto parts = pretraining_loss(logits, torch::tensor({2}, torch::kInt64), {}, {}, 1.0, 4.0);
  EXPECT_NEAR(parts.mlm_loss.item<double>(), 0.3567 / 4, 1e-4);
}

TEST(Loss, GradientIsSoftmaxMinusOneHotOverTheDenominator) {
  // d/dz_ij of sum_i -log softmax(z_i)[y_i] / D = (softmax(z_i)_j - [j == y_i]) / D, computed here
  // in double; repeated labels and one row whose label is its argmax.
  auto gen = at::detail::createCPUGenerator(3);
  auto z = at::normal(0.0, 2.0, {6, 11}, gen);
  z[4][7] = 30.0;
  auto labels = torch::tensor({3, 3, 0, 10, 7, 3}, torch::kInt64);
  auto logits = z.clone().set_requires_grad(true);
  auto parts = pretraining_loss(logits, labels, {}, {}, 1.0, 9.0);
  parts.loss.backward();
  auto expect =
      (torch::softmax(z.to(torch::kFloat64), 1) - torch::one_hot(labels, 11).to(torch::kFloat64)) /
      9.0;
  EXPECT_LT((logits.grad().to(torch::kFloat64) - expect).abs().max().item<double>(), 1e-7);
  auto by_hand = -torch::log_softmax(z.to(torch::kFloat64), 1)
                      .gather(1, labels.unsqueeze(1))
                      .sum()
                      .item<double>() /
                 9.0;
  EXPECT_NEAR(parts.mlm_loss.item<double>(), by_hand, 1e-5);
  EXPECT_EQ(parts.mlm_correct,
            1 + (z[0].argmax().item<int64_t>() == 3) + (z[1].argmax().item<int64_t>() == 3) +
                (z[2].argmax().item<int64_t>() == 0) + (z[3].argmax().item<int64_t>() == 10) +
                (z[5].argmax().item<int64_t>() == 3));
}

TEST(Loss, ALabelFarBelowTheMaximumKeepsItsExactLoss) {
  // softmax underflows to 0 at the label (gap 200): the loss is still 200 + log(1 + e^-200 ...).
  auto logits = torch::tensor({{200.0f, 0.0f, 0.0f}}).set_requires_grad(true);
  auto parts = pretraining_loss(logits, torch::tensor({1}, torch::kInt64), {}, {}, 1.0);
  EXPECT_NEAR(parts.mlm_loss.item<double>(), 200.0, 1e-3);
  parts.loss.backward();
  EXPECT_NEAR(logits.grad()[0][1].item<double>(), -1.0, 1e-6);
  EXPECT_NEAR(logits.grad()[0][0].item<double>(), 1.0, 1e-6);
}

TEST(Loss, IgnoredLabelsAreLeftOut) {
  // -100 (LibTorch's ignore_index) contributes neither loss nor gradient.
  auto logits = torch::stack({logits_with_prob(0.7, 1, 5), logits_with_prob(0.1, 3, 5)})
                    .set_requires_grad(true);
  auto parts = pretraining_loss(logits, torch::tensor({1, -100}, torch::kInt64), {}, {}, 1.0, 1.0);
  EXPECT_NEAR(parts.mlm_loss.item<double>(), 0.35667, 1e-4);
  parts.loss.backward();
  EXPECT_EQ(logits.grad()[1].abs().sum().item<double>(), 0.0);
}

}  // namespace
}  // namespace bertforge
