#include "model/linear.h"

#include <ATen/Parallel.h>
#include <torch/torch.h>

#include "kernels/bias_gelu.h"
#include "runtime/runtime.h"

namespace bertforge {
namespace {

constexpr int64_t kBlockRows = 64;  // rows per partial bias sum: fixed, so the sum is too

uint16_t* bf16_data(const torch::Tensor& t) {
  return reinterpret_cast<uint16_t*>(t.data_ptr<at::BFloat16>());
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
    return {dx, partial.defined() ? partial.sum(0) : torch::Tensor()};
  }
};

}  // namespace

torch::Tensor LinearImpl::forward_gelu(const torch::Tensor& x) {
  const bool fused = x.is_cpu() && cpu_bf16_autocast_on() && kernels::cpu_has_avx512() &&
                     (!bias.defined() || bias.scalar_type() == torch::kFloat32);
  if (!fused) return torch::gelu(forward(x));
  auto h = torch::linear(x, weight);  // bf16 under autocast
  if (h.scalar_type() != torch::kBFloat16) return torch::gelu(bias.defined() ? h + bias : h);
  return BiasGelu::apply(h, bias.defined() ? bias : torch::empty({0}));
}

}  // namespace bertforge
