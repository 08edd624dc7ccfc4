#include "model/attention.h"

#include <ATen/Parallel.h>
#include <torch/version.h>

#include <atomic>
#include <cmath>

#include "kernels/softmax_dropout.h"
#include "model/bf16_data.h"
#include "model/dropout.h"

namespace bertforge {
namespace {
std::atomic<bool> g_force_cpu{false};
// dropout(softmax(scores, -1), p) for contiguous bf16 CPU scores (..., S):
// kernels/softmax_dropout.h. The mask is (p, key) (p = 0: none); the backward keeps the bf16
// probabilities before the dropout.
struct SoftmaxDropout : torch::autograd::Function<SoftmaxDropout> {
  static kernels::DropoutMask mask(double p, int64_t key) {
    return p > 0 ? kernels::DropoutMask::of(p, uint64_t(key)) : kernels::DropoutMask{};
  }
  static int64_t grain(int64_t cols) {
    return std::max<int64_t>(1, 16384 / std::max<int64_t>(1, cols));
  }
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& scores,
                               double p, int64_t key) {
    const int64_t cols = scores.size(-1), rows = scores.numel() / std::max<int64_t>(1, cols);
    auto probs = torch::empty_like(scores);
    auto dropped = p > 0 ? torch::empty_like(scores) : probs;
    const auto m = mask(p, key);
    at::parallel_for(0, rows, grain(cols), [&](int64_t begin, int64_t end) {
      kernels::softmax_dropout_forward(bf16_data(scores), cols, begin, end, m, bf16_data(probs),
                                       p > 0 ? bf16_data(dropped) : nullptr);
    });
    ctx->save_for_backward({probs});
    ctx->saved_data["p"] = p;
    ctx->saved_data["key"] = key;
    return dropped;
  }
  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grad_out) {
    const auto probs = ctx->get_saved_variables()[0];
    auto g = grad_out[0].to(torch::kBFloat16).contiguous();
    const int64_t cols = probs.size(-1), rows = probs.numel() / std::max<int64_t>(1, cols);
    const auto m = mask(ctx->saved_data["p"].toDouble(), ctx->saved_data["key"].toInt());
    auto ds = torch::empty_like(probs);
    at::parallel_for(0, rows, grain(cols), [&](int64_t begin, int64_t end) {
      kernels::softmax_dropout_backward(bf16_data(probs), bf16_data(g), cols, begin, end, m,
                                        bf16_data(ds));
    });
    return {ds, torch::Tensor(), torch::Tensor()};
  }
};

// dropout(softmax(scores, -1), p) with the mask apply_dropout would draw.
torch::Tensor softmax_then_dropout(const torch::Tensor& scores, double p) {
  if (!scores.is_cpu() || scores.scalar_type() != torch::kBFloat16 || !scores.is_contiguous() ||
      !kernels::cpu_has_avx512())
    return apply_dropout(at::_softmax(scores, -1, false), p, true);
  const int64_t key = p > 0 ? int64_t(draw_dropout_key(scores.device())) : 0;
  return SoftmaxDropout::apply(scores, p > 0 ? p : 0.0, key);
}
}  // namespace

bool fused_attention_available() { return TORCH_VERSION_MAJOR >= 2; }

bool force_fused_attention_on_cpu(bool on) { return g_force_cpu.exchange(on); }

torch::Tensor fused_attention(const torch::Tensor& q, const torch::Tensor& k,
                              const torch::Tensor& v, const torch::Tensor& bias, double p) {
#if TORCH_VERSION_MAJOR >= 2
  if (q.is_cuda() || g_force_cpu.load(std::memory_order_relaxed))
    return at::scaled_dot_product_attention(q, k, v, bias.to(q.dtype()), p);
#endif
  return {};
}

torch::Tensor attention(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                        const torch::Tensor& bias, double p) {
  if (auto ctx = fused_attention(q, k, v, bias, p); ctx.defined()) return ctx;
  const int64_t B = q.size(0), h = q.size(1), T = q.size(2), d = q.size(3), S = k.size(2);
  auto q3 = q.reshape({B * h, T, d}), k3 = k.reshape({B * h, S, d});
  // Under autocast q is bf16 already (a linear's output): the scores and the bias are too.
  auto scores_in = bias.to(q.scalar_type()).expand({B, h, T, S}).reshape({B * h, T, S});
  auto scores = at::baddbmm(scores_in, q3, k3.transpose(1, 2), 1.0, 1.0 / std::sqrt(double(d)));
  // at::_softmax is not on autocast's fp32 list (softmax is): it keeps the scores' dtype.
  auto probs = softmax_then_dropout(scores, p);  // (B*h, T, S)
  return at::bmm(probs.to(v.scalar_type()), v.reshape({B * h, S, d})).view({B, h, T, d});
}

}  // namespace bertforge
