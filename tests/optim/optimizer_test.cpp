#include "optim/optimizer.h"

#include <gtest/gtest.h>

#include "model/bert.h"

namespace bertforge {
namespace {

TEST(Optimizer, DecayGroups) {
  EXPECT_TRUE(decays("bert.encoder.layer.0.attention.self.query.weight"));
  EXPECT_TRUE(decays("bert.embeddings.word_embeddings.weight"));
  EXPECT_FALSE(decays("bert.encoder.layer.0.attention.self.query.bias"));
  EXPECT_FALSE(decays("bert.embeddings.LayerNorm.weight"));
  EXPECT_FALSE(decays("cls.predictions.transform.LayerNorm.bias"));
  EXPECT_FALSE(decays("cls.predictions.bias"));
}

TEST(Optimizer, GroupsCarryTheirWeightDecay) {
  ModelShape s;
  s.vocab_size = 30, s.hidden = 8, s.heads = 2, s.intermediate = 16, s.layers = 1;
  BertForPreTraining m(s);
  TrainConfig t;
  t.weight_decay = 0.05;
  auto opt = make_optimizer(*m, t);
  ASSERT_EQ(opt->param_groups().size(), 2u);
  auto& g0 = static_cast<torch::optim::AdamWOptions&>(opt->param_groups()[0].options());
  auto& g1 = static_cast<torch::optim::AdamWOptions&>(opt->param_groups()[1].options());
  EXPECT_DOUBLE_EQ(g0.weight_decay(), 0.05);
  EXPECT_DOUBLE_EQ(g1.weight_decay(), 0.0);
  size_t n = opt->param_groups()[0].params().size() + opt->param_groups()[1].params().size();
  EXPECT_EQ(n, m->parameters().size());
}

TEST(Optimizer, DecoupledDecayShrinksWeightsWithZeroGradient) {
  // AdamW with a zero gradient: the update is -lr * wd * w (decoupled), so w *= (1 - lr * wd).
  auto w = torch::full({3}, 2.0, torch::requires_grad());
  torch::optim::AdamW opt({w}, torch::optim::AdamWOptions(0.1).weight_decay(0.5));
  w.mutable_grad() = torch::zeros({3});
  opt.step();
  EXPECT_NEAR(w[0].item<double>(), 2.0 * (1 - 0.1 * 0.5), 1e-6);
}

TEST(Optimizer, SetLr) {
  auto w = torch::zeros({1}, torch::requires_grad());
  torch::optim::AdamW opt({w}, torch::optim::AdamWOptions(0.1));
  set_lr(opt, 0.25);
  EXPECT_DOUBLE_EQ(static_cast<torch::optim::AdamWOptions&>(opt.param_groups()[0].options()).lr(),
                   0.25);
}

}  // namespace
}  // namespace bertforge
