#include "optim/fused_adamw.h"

#include <gtest/gtest.h>

#include <sstream>

namespace bertforge {
namespace {

// Two groups (decay / none) of odd-sized parameters, one too big for a single parallel chunk.
std::vector<torch::Tensor> make_params(uint64_t seed) {
  auto gen = at::detail::createCPUGenerator(seed);
  std::vector<torch::Tensor> ps;
  for (int64_t n : {70001, 257, 3, 1024})
    ps.push_back(at::normal(0.0, 1.0, {n}, gen).set_requires_grad(true));
  return ps;
}

template <class Opt>
std::unique_ptr<Opt> make(std::vector<torch::Tensor>& ps, double wd) {
  auto opts = [&](double w) {
    return std::make_unique<torch::optim::AdamWOptions>(
        torch::optim::AdamWOptions(3e-3).betas({0.9, 0.98}).eps(1e-6).weight_decay(w));
  };
  std::vector<torch::optim::OptimizerParamGroup> groups;
  groups.emplace_back(std::vector<torch::Tensor>{ps[0], ps[1]}, opts(wd));
  groups.emplace_back(std::vector<torch::Tensor>{ps[2], ps[3]}, opts(0.0));
  return std::make_unique<Opt>(groups, torch::optim::AdamWOptions(3e-3));
}

// Steps both optimizers with the same gradients (a different one each step, zero for one
// parameter at step 2, none at all for another at step 3).
void step_both(torch::optim::Optimizer& a, std::vector<torch::Tensor>& pa,
               torch::optim::Optimizer& b, std::vector<torch::Tensor>& pb, int steps,
               uint64_t seed) {
  auto gen = at::detail::createCPUGenerator(seed);
  for (int t = 0; t < steps; ++t) {
    for (size_t i = 0; i < pa.size(); ++i) {
      auto g = at::normal(0.0, 0.1, pa[i].sizes(), gen);
      if (t == 2 && i == 1) g.zero_();
      if (t == 3 && i == 2) {
        pa[i].mutable_grad().reset(), pb[i].mutable_grad().reset();
        continue;
      }
      pa[i].mutable_grad() = g.clone(), pb[i].mutable_grad() = g.clone();
    }
    a.step(), b.step();
  }
}

TEST(FusedAdamW, FollowsLibTorchsAdamW) {
  auto pf = make_params(1), pt = make_params(1);
  auto fused = make<FusedAdamW>(pf, 0.01);
  auto ref = make<torch::optim::AdamW>(pt, 0.01);
  step_both(*fused, pf, *ref, pt, 6, 7);
  for (size_t i = 0; i < pf.size(); ++i) {
    const double diff = (pf[i] - pt[i]).abs().max().item<double>();
    const double moved = (pf[i] - make_params(1)[i]).abs().max().item<double>();
    EXPECT_LT(diff, 1e-6) << "parameter " << i;
    EXPECT_GT(moved, 1e-3) << "parameter " << i << " did not move";
  }
}

TEST(FusedAdamW, CheckpointsMoveToAndFromLibTorchsAdamW) {
  auto pf = make_params(2), pt = make_params(2);
  auto fused = make<FusedAdamW>(pf, 0.1);
  auto ref = make<torch::optim::AdamW>(pt, 0.1);
  step_both(*fused, pf, *ref, pt, 3, 11);
  // The fused state saved and loaded by LibTorch's AdamW (on copies of the fused weights), then
  // both go on: they stay together.
  std::stringstream saved;
  {
    torch::serialize::OutputArchive archive;
    fused->save(archive);
    archive.save_to(saved);
  }
  std::vector<torch::Tensor> pl;
  for (auto& p : pf) pl.push_back(p.detach().clone().set_requires_grad(true));
  auto loaded = make<torch::optim::AdamW>(pl, 0.1);
  torch::serialize::InputArchive in;
  in.load_from(saved);
  loaded->load(in);
  step_both(*fused, pf, *loaded, pl, 3, 12);
  for (size_t i = 0; i < pf.size(); ++i)
    EXPECT_LT((pf[i] - pl[i]).abs().max().item<double>(), 1e-6) << "parameter " << i;
}

TEST(FusedAdamW, NonContiguousParameterTakesTheTensorPath) {
  auto pf = std::vector<torch::Tensor>{torch::randn({6, 8}).t().set_requires_grad(true)};
  auto pt = std::vector<torch::Tensor>{pf[0].detach().clone().set_requires_grad(true)};
  ASSERT_FALSE(pf[0].is_contiguous());
  auto opts = torch::optim::AdamWOptions(1e-2).weight_decay(0.1);
  FusedAdamW fused({torch::optim::OptimizerParamGroup(pf)}, opts);
  torch::optim::AdamW ref({torch::optim::OptimizerParamGroup(pt)}, opts);
  step_both(fused, pf, ref, pt, 4, 5);
  EXPECT_LT((pf[0] - pt[0]).abs().max().item<double>(), 1e-7);
}

}  // namespace
}  // namespace bertforge
