#include "model/geglu.h"

#include <ATen/Parallel.h>

#include "kernels/geglu.h"
#include "model/bf16_data.h"
#include "model/dropout.h"
#include "runtime/runtime.h"

namespace bertforge {
namespace {

// y = dropout(gelu(a) * g) for a contiguous bf16 h (..., 2I); the mask is (p, key) (p = 0: none).
struct GatedGelu : torch::autograd::Function<GatedGelu> {
  static kernels::DropoutMask mask(double p, int64_t key) {
    return p > 0 ? kernels::DropoutMask::of(p, uint64_t(key)) : kernels::DropoutMask{};
  }
  static int64_t grain(int64_t inner) {
    return std::max<int64_t>(1, 16384 / std::max<int64_t>(1, inner));
  }
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& h,
                               double p, int64_t key) {
    const int64_t inner = h.size(-1) / 2, rows = h.numel() / std::max<int64_t>(1, 2 * inner);
    auto sizes = h.sizes().vec();
    sizes.back() = inner;
    auto y = torch::empty(sizes, h.options());
    const auto m = mask(p, key);
    at::parallel_for(0, rows, grain(inner), [&](int64_t begin, int64_t end) {
      kernels::geglu_forward(bf16_data(h), inner, begin, end, m, bf16_data(y));
    });
    ctx->save_for_backward({h});
    ctx->saved_data["p"] = p;
    ctx->saved_data["key"] = key;
    return y;
  }
  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grad_out) {
    const auto h = ctx->get_saved_variables()[0];
    auto dy = grad_out[0].to(torch::kBFloat16).contiguous();
    const int64_t inner = h.size(-1) / 2, rows = h.numel() / std::max<int64_t>(1, 2 * inner);
    const auto m = mask(ctx->saved_data["p"].toDouble(), ctx->saved_data["key"].toInt());
    auto dh = torch::empty_like(h);
    at::parallel_for(0, rows, grain(inner), [&](int64_t begin, int64_t end) {
      kernels::geglu_backward(bf16_data(h), bf16_data(dy), inner, begin, end, m, bf16_data(dh));
    });
    return {dh, torch::Tensor(), torch::Tensor()};
  }
};

}  // namespace

torch::Tensor gated_gelu(const torch::Tensor& h, double p, bool train) {
  if (!h.is_cpu() || h.scalar_type() != torch::kBFloat16 || !h.is_contiguous() ||
      h.size(-1) % 2 != 0 || !cpu_bf16_autocast_on() || !kernels::cpu_has_avx512()) {
    auto parts = h.chunk(2, -1);  // input, gate
    return apply_dropout(torch::gelu(parts[0]) * parts[1], p, train);
  }
  const bool drops = train && p > 0;
  const int64_t key = drops ? int64_t(draw_dropout_key(h.device())) : 0;
  return GatedGelu::apply(h, drops ? p : 0.0, key);
}

}  // namespace bertforge
