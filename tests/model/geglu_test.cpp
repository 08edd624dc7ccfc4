#include "model/geglu.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "kernels/isa.h"
#include "model/dropout.h"
#include "runtime/runtime.h"

namespace bertforge {
namespace {

// gated_gelu (or LibTorch's ops: chunk, gelu, product, apply_dropout) of a bf16 h under bf16
// autocast with dropout keys from one stream; the output and the gradient of sum(y * w).
std::pair<torch::Tensor, torch::Tensor> run_gated(const torch::Tensor& h0, const torch::Tensor& w,
                                                  double p, bool kernel) {
  auto h = h0.clone().set_requires_grad(true);
  torch::Tensor y;
  {
    AutocastGuard autocast(torch::kCPU, "bf16");
    DropoutKeys keys(3);
    if (kernel) {
      y = gated_gelu(h, p, true);
    } else {
      auto parts = h.chunk(2, -1);
      y = apply_dropout(torch::gelu(parts[0]) * parts[1], p, true);
    }
  }
  (y.to(torch::kFloat32) * w).sum().backward();
  return {y, h.grad()};
}

double gated_rel_diff(const torch::Tensor& a, const torch::Tensor& b) {
  return ((a.to(torch::kFloat64) - b.to(torch::kFloat64)).norm() / b.to(torch::kFloat64).norm())
      .item<double>();
}

TEST(GatedGelu, TheKernelIsLibTorchsOpsWithTheSameMask) {
  if (!kernels::cpu_has_avx512()) GTEST_SKIP() << "the kernel needs AVX-512";
  torch::manual_seed(6);
  auto h = torch::randn({3, 11, 2 * 40}).to(torch::kBFloat16), w = torch::randn({3, 11, 40});
  for (double p : {0.0, 0.25}) {
    const auto [y_ops, dh_ops] = run_gated(h, w, p, false);
    const auto [y, dh] = run_gated(h, w, p, true);
    // The same elements dropped: zero in both outputs at the same places (a different mask would
    // differ at ~2p(1-p) of them), but for values LibTorch's bf16 GELU rounds to 0 (one here).
    const auto differ = y.eq(0).ne(y_ops.eq(0));
    EXPECT_LE(differ.sum().item<int64_t>(), y.numel() / 200) << "p " << p;
    EXPECT_LT(gated_rel_diff(y, y_ops), 1e-2) << p;  // bf16 roundings apart
    EXPECT_LT(gated_rel_diff(dh, dh_ops), 1e-2) << p;
  }
}

TEST(GatedGelu, Fp32TakesLibTorchsOps) {
  auto h = torch::randn({4, 6});
  auto parts = h.chunk(2, -1);
  EXPECT_TRUE(torch::equal(gated_gelu(h, 0.0, false), torch::gelu(parts[0]) * parts[1]));
}

}  // namespace
}  // namespace bertforge
