// The linear layer the models use: torch::nn::Linear's parameters, options and names, with a
// forward that is one at::linear call.
//
// Why: the C++ frontend's nn::Linear (LibTorch 1.13 and 2.x alike) computes a 3-D input as
// `x.matmul(w.t())` followed by `out += bias`. Under bf16 autocast the matmul's output is bf16
// and the bias fp32, so the `+=` converts the whole output to fp32 and back (measured: 3.6x the
// time of at::linear's forward for a (16x128x256) x (256x1024) layer, 1.7x forward + backward).
// at::linear is one op for autocast (input, weight and bias cast together) and runs a 3-D
// contiguous input as one addmm with the bias fused.
//
// forward_gelu and forward_residual: see there.
#pragma once

#include <torch/nn/modules/linear.h>

namespace bertforge {

class LinearImpl : public torch::nn::LinearImpl {
 public:
  using torch::nn::LinearImpl::LinearImpl;
  // (..., in) -> (..., out)
  torch::Tensor forward(const torch::Tensor& x) { return torch::linear(x, weight, bias); }
  // gelu(forward(x)) (the exact GELU). Under CPU bf16 autocast on an AVX-512 CPU the GEMM runs
  // without the bias, and the bias and GELU as one kernel pass each way (kernels/bias_gelu.h),
  // the bias's gradient summed in the same pass; elsewhere LibTorch's ops.
  torch::Tensor forward_gelu(const torch::Tensor& x);
  // apply_dropout(forward(x), p, train) + residual (model/dropout.h: the same key drawn, the same
  // mask). Under CPU bf16 autocast on an AVX-512 CPU, with an fp32 residual of the output's shape,
  // the GEMM runs without the bias and the rest is one kernel pass each way
  // (kernels/bias_dropout_residual.h); elsewhere LibTorch's ops. The result is fp32 either way.
  torch::Tensor forward_residual(const torch::Tensor& x, double p, bool train,
                                 const torch::Tensor& residual);
};
TORCH_MODULE(Linear);

}  // namespace bertforge
