#include "model/attention.h"

#include <torch/version.h>

#include <atomic>
#include <cmath>

#include "model/dropout.h"

namespace bertforge {
namespace {
std::atomic<bool> g_force_cpu{false};
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
  auto probs = apply_dropout(at::_softmax(scores, -1, false), p, true);  // (B*h, T, S)
  return at::bmm(probs.to(v.scalar_type()), v.reshape({B * h, S, d})).view({B, h, T, d});
}

}  // namespace bertforge
