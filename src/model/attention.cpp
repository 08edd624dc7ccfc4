#include "model/attention.h"

#include <torch/version.h>

#include <atomic>

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

}  // namespace bertforge
