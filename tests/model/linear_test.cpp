#include "model/linear.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <string>

#include "kernels/isa.h"
#include "model/dropout.h"
#include "runtime/runtime.h"

namespace bertforge {
namespace {

// ||a - b|| / ||b||
double linear_rel_diff(const torch::Tensor& a, const torch::Tensor& b) {
  return ((a.to(torch::kFloat64) - b.to(torch::kFloat64)).norm() / b.to(torch::kFloat64).norm())
      .item<double>();
}

struct LinearRun {
  torch::Tensor y, dx, dw, db;
  std::string node;
};

// gelu(linear(x)) and the gradients of sum(y * r), through forward_gelu or LibTorch's ops.
LinearRun run_linear(Linear& l, const torch::Tensor& x0, const torch::Tensor& r, bool bf16,
                     bool fused) {
  l->zero_grad();
  auto x = x0.clone().set_requires_grad(true);
  LinearRun out;
  {
    AutocastGuard autocast(torch::kCPU, bf16 ? "bf16" : "fp32");
    out.y = fused ? l->forward_gelu(x) : torch::gelu(l->forward(x));
  }
  out.node = out.y.grad_fn() ? out.y.grad_fn()->name() : "";
  (out.y.to(torch::kFloat32) * r).sum().backward();
  out.dx = x.grad(), out.dw = l->weight.grad().clone();
  out.db = l->bias.defined() ? l->bias.grad().clone() : torch::Tensor();
  return out;
}

TEST(Linear, ForwardGeluUnderBf16AutocastFollowsFp32AsLibTorchsOpsDo) {
  torch::manual_seed(3);
  for (bool with_bias : {true, false}) {
    Linear l(torch::nn::LinearOptions(48, 200).bias(with_bias));
    auto x = torch::randn({3, 70, 48});
    auto r = torch::randn({3, 70, 200});
    const LinearRun exact = run_linear(l, x, r, /*bf16=*/false, /*fused=*/false);
    const LinearRun ops = run_linear(l, x, r, true, false);
    const LinearRun fused = run_linear(l, x, r, true, true);
    if (kernels::cpu_has_avx512())
      EXPECT_NE(fused.node.find("BiasGelu"), std::string::npos) << fused.node;
    EXPECT_EQ(fused.y.scalar_type(), torch::kBFloat16);
    // bf16 rounding of x, w and the products: both bf16 paths sit ~1e-3 from fp32; the fused one
    // no further than LibTorch's ops (plus a margin for the rounding of different sums).
    for (auto [f, o, e] : {std::tuple{fused.y, ops.y, exact.y},
                           {fused.dx, ops.dx, exact.dx},
                           {fused.dw, ops.dw, exact.dw}}) {
      EXPECT_LT(linear_rel_diff(f, e), 1e-2);
      EXPECT_LT(linear_rel_diff(f, e), 1.5 * linear_rel_diff(o, e) + 1e-3);
    }
    if (with_bias) {
      EXPECT_EQ(fused.db.scalar_type(), torch::kFloat32);
      EXPECT_LT(linear_rel_diff(fused.db, exact.db), 1e-2);
      EXPECT_LT(linear_rel_diff(fused.db, exact.db),
                1.5 * linear_rel_diff(ops.db, exact.db) + 1e-3);
    }
  }
}

// forward_residual(x, p, train, r) and the gradients of sum(z * g), fused or through LibTorch's
// ops, with dropout keys from the stream of `seed`.
LinearRun run_residual(Linear& l, const torch::Tensor& x0, const torch::Tensor& r0,
                       const torch::Tensor& g, bool fused, double p, torch::Tensor* dr) {
  l->zero_grad();
  auto x = x0.clone().set_requires_grad(true), r = r0.clone().set_requires_grad(true);
  LinearRun out;
  {
    AutocastGuard autocast(torch::kCPU, "bf16");
    DropoutKeys keys(/*seed=*/42);
    out.y = fused ? l->forward_residual(x, p, true, r) : apply_dropout(l->forward(x), p, true) + r;
  }
  out.node = out.y.grad_fn() ? out.y.grad_fn()->name() : "";
  (out.y * g).sum().backward();
  out.dx = x.grad(), out.dw = l->weight.grad().clone(), out.db = l->bias.grad().clone();
  *dr = r.grad();
  return out;
}

TEST(Linear, ForwardResidualUnderBf16AutocastIsLibTorchsOpsWithTheSameMask) {
  torch::manual_seed(5);
  Linear l(96, 64);
  auto x = torch::randn({4, 30, 96}), r = torch::randn({4, 30, 64}), g = torch::randn({4, 30, 64});
  for (double p : {0.0, 0.1}) {
    torch::Tensor dr_ops, dr_fused;
    const LinearRun ops = run_residual(l, x, r, g, false, p, &dr_ops);
    const LinearRun fused = run_residual(l, x, r, g, true, p, &dr_fused);
    if (kernels::cpu_has_avx512())
      EXPECT_NE(fused.node.find("BiasDropoutResidual"), std::string::npos) << fused.node;
    EXPECT_EQ(fused.y.scalar_type(), torch::kFloat32);
    // The same elements dropped: z - r is 0 exactly where LibTorch's ops' is.
    EXPECT_TRUE(torch::equal((fused.y - r).eq(0), (ops.y - r).eq(0))) << "p " << p;
    // The rest differs by LibTorch's bf16 bias add and bf16 dropout scale (1.109375 for 1/0.9).
    EXPECT_LT(linear_rel_diff(fused.y, ops.y), 1e-2);
    EXPECT_TRUE(torch::equal(dr_fused, g));  // the residual's gradient passes through
    EXPECT_LT(linear_rel_diff(fused.dx, ops.dx), 1e-2);
    EXPECT_LT(linear_rel_diff(fused.dw, ops.dw), 1e-2);
    EXPECT_LT(linear_rel_diff(fused.db, ops.db), 1e-2);
  }
}

TEST(Linear, ForwardGeluInFp32IsLibTorchsGelu) {
  torch::manual_seed(4);
  Linear l(48, 64);
  auto x = torch::randn({5, 48});
  EXPECT_TRUE(torch::equal(l->forward_gelu(x), torch::gelu(l->forward(x))));
}

}  // namespace
}  // namespace bertforge
