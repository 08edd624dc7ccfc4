#include "model/linear.h"

#include <ATen/Parallel.h>
#include <torch/torch.h>

#include "kernels/bias_dropout_residual.h"
#include "kernels/bias_gelu.h"
#include "model/bf16_data.h"
#include "model/dropout.h"
#include "runtime/runtime.h"

namespace bertforge {
namespace {

constexpr int64_t kBlockRows = 64;  // rows per partial bias sum: fixed, so the sum is too

// The sum of `partial` (blocks, C) over the blocks, or undefined when there is none.
torch::Tensor block_sum(const torch::Tensor& partial) {
  return partial.defined() ? partial.sum(0) : torch::Tensor();
}

// y = gelu(h + b) for a bf16 h (..., C) and an fp32 b (C), or none when b has no elements (an
// undefined tensor cannot be an autograd input in LibTorch 1.13): kernels/bias_gelu.h.
struct BiasGelu : torch::autograd::Function<BiasGelu> {
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& h_in,
                               const torch::Tensor& b) {
    auto h = h_in.contiguous();
    const int64_t cols = h.size(-1), rows = h.numel() / std::max<int64_t>(1, cols);
    auto y = torch::empty_like(h);
    const float* bias = b.numel() > 0 ? b.data_ptr<float>() : nullptr;
    at::parallel_for(0, rows, kBlockRows, [&](int64_t begin, int64_t end) {
      kernels::bias_gelu_forward(bf16_data(h), bias, cols, begin, end, bf16_data(y));
    });
    ctx->save_for_backward({h, b});
    return y;
  }
  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grad_out) {
    const auto saved = ctx->get_saved_variables();
    const auto& h = saved[0];
    const auto& b = saved[1];
    auto dy = grad_out[0].to(torch::kBFloat16).contiguous();
    const int64_t cols = h.size(-1), rows = h.numel() / std::max<int64_t>(1, cols);
    const int64_t blocks = (rows + kBlockRows - 1) / kBlockRows;
    auto dx = torch::empty_like(h);
    // One partial bias sum per block of rows, added up after: the same sum for any thread count.
    torch::Tensor partial;
    if (b.numel() > 0 && ctx->needs_input_grad(1))
      partial = torch::zeros({blocks, cols}, b.options());
    const float* bias = b.numel() > 0 ? b.data_ptr<float>() : nullptr;
    at::parallel_for(0, blocks, 1, [&](int64_t first, int64_t last) {
      for (int64_t k = first; k < last; ++k)
        kernels::bias_gelu_backward(bf16_data(h), bias, bf16_data(dy), cols, k * kBlockRows,
                                    std::min(rows, (k + 1) * kBlockRows), bf16_data(dx),
                                    partial.defined() ? partial[k].data_ptr<float>() : nullptr);
    });
    return {dx, block_sum(partial)};
  }
};

// z = dropout(h + b) + residual for a bf16 h, an fp32 b (or none: no elements) and an fp32
// residual: kernels/bias_dropout_residual.h. The mask is (p, key) (p = 0: none).
struct BiasDropoutResidual : torch::autograd::Function<BiasDropoutResidual> {
  static kernels::DropoutMask mask(double p, int64_t key) {
    return p > 0 ? kernels::DropoutMask::of(p, uint64_t(key)) : kernels::DropoutMask{};
  }
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& h_in,
                               const torch::Tensor& b, const torch::Tensor& residual_in, double p,
                               int64_t key) {
    auto h = h_in.contiguous();
    auto residual = residual_in.contiguous();
    const int64_t cols = h.size(-1), rows = h.numel() / std::max<int64_t>(1, cols);
    auto z = torch::empty_like(residual);
    const float* bias = b.numel() > 0 ? b.data_ptr<float>() : nullptr;
    const auto m = mask(p, key);
    at::parallel_for(0, rows, kBlockRows, [&](int64_t begin, int64_t end) {
      kernels::bias_dropout_residual_forward(bf16_data(h), bias, residual.data_ptr<float>(), cols,
                                             begin, end, m, z.data_ptr<float>());
    });
    ctx->saved_data["p"] = p;
    ctx->saved_data["key"] = key;
    ctx->saved_data["bias"] = b.numel() > 0;
    return z;
  }
  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grad_out) {
    auto dz = grad_out[0].to(torch::kFloat32).contiguous();
    const int64_t cols = dz.size(-1), rows = dz.numel() / std::max<int64_t>(1, cols);
    const int64_t blocks = (rows + kBlockRows - 1) / kBlockRows;
    const auto m = mask(ctx->saved_data["p"].toDouble(), ctx->saved_data["key"].toInt());
    auto dx = torch::empty(dz.sizes(), dz.options().dtype(torch::kBFloat16));
    torch::Tensor partial;  // one partial bias sum per block of rows, as in BiasGelu
    if (ctx->saved_data["bias"].toBool() && ctx->needs_input_grad(1))
      partial = torch::zeros({blocks, cols}, dz.options());
    at::parallel_for(0, blocks, 1, [&](int64_t first, int64_t last) {
      for (int64_t k = first; k < last; ++k)
        kernels::bias_dropout_residual_backward(
            dz.data_ptr<float>(), cols, k * kBlockRows, std::min(rows, (k + 1) * kBlockRows), m,
            bf16_data(dx), partial.defined() ? partial[k].data_ptr<float>() : nullptr);
    });
    return {dx, block_sum(partial), grad_out[0], torch::Tensor(), torch::Tensor()};
  }
};

// Whether the fused kernels may take x's layer: CPU bf16 autocast on an AVX-512 CPU, fp32 bias.
bool fusable_layer(const torch::Tensor& x, const torch::Tensor& bias) {
  return x.is_cpu() && cpu_bf16_autocast_on() && kernels::cpu_has_avx512() &&
         (!bias.defined() || bias.scalar_type() == torch::kFloat32);
}

torch::Tensor no_bias_if_undefined(const torch::Tensor& b) {
  return b.defined() ? b : torch::empty({0});
}

}  // namespace

torch::Tensor LinearImpl::forward_residual(const torch::Tensor& x, double p, bool train,
                                           const torch::Tensor& residual) {
  if (!fusable_layer(x, bias) || residual.scalar_type() != torch::kFloat32)
    return apply_dropout(forward(x), p, train) + residual;
  auto h = torch::linear(x, weight);  // bf16 under autocast
  if (h.scalar_type() != torch::kBFloat16 || h.sizes() != residual.sizes())
    return apply_dropout(bias.defined() ? h + bias : h, p, train) + residual;
  const bool drops = train && p > 0;
  const int64_t key = drops ? int64_t(draw_dropout_key(x.device())) : 0;
  return BiasDropoutResidual::apply(h, no_bias_if_undefined(bias), residual, drops ? p : 0.0, key);
}

torch::Tensor LinearImpl::forward_gelu(const torch::Tensor& x) {
  if (!fusable_layer(x, bias)) return torch::gelu(forward(x));
  auto h = torch::linear(x, weight);  // bf16 under autocast
  if (h.scalar_type() != torch::kBFloat16) return torch::gelu(bias.defined() ? h + bias : h);
  return BiasGelu::apply(h, no_bias_if_undefined(bias));
}

}  // namespace bertforge
