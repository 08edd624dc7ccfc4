#include "optim/lamb.h"

#include <cmath>
#include <sstream>
#include <string>
#include <type_traits>

namespace bertforge {
namespace {
// The key of a parameter's state: LibTorch 1.x uses the TensorImpl address printed as a string,
// 2.x the address itself.
template <class Key>
Key state_key(const torch::Tensor& p) {
  if constexpr (std::is_same_v<Key, std::string>) {
    std::ostringstream s;
    s << p.unsafeGetTensorImpl();
    return s.str();
  } else {
    return static_cast<Key>(p.unsafeGetTensorImpl());
  }
}
}  // namespace

torch::Tensor Lamb::step(LossClosure closure) {
  torch::NoGradGuard no_grad;
  torch::Tensor loss;
  if (closure) {
    at::AutoGradMode enable_grad(true);
    loss = closure();
  }
  using Key = typename std::decay_t<decltype(state())>::key_type;
  for (auto& group : param_groups()) {
    auto& o = static_cast<torch::optim::AdamWOptions&>(group.options());
    const double beta1 = std::get<0>(o.betas()), beta2 = std::get<1>(o.betas());
    for (auto& p : group.params()) {
      if (!p.grad().defined()) continue;
      const torch::Tensor& g = p.grad();
      auto& slot = state()[state_key<Key>(p)];
      if (!slot) {
        auto s = std::make_unique<torch::optim::AdamWParamState>();
        s->step(0);
        s->exp_avg(torch::zeros_like(p, torch::MemoryFormat::Preserve));
        s->exp_avg_sq(torch::zeros_like(p, torch::MemoryFormat::Preserve));
        slot = std::move(s);
      }
      auto& s = static_cast<torch::optim::AdamWParamState&>(*slot);
      s.step(s.step() + 1);
      torch::Tensor m = s.exp_avg(), v = s.exp_avg_sq();
      m.mul_(beta1).add_(g, 1 - beta1);
      v.mul_(beta2).addcmul_(g, g, 1 - beta2);
      const double c1 = 1 - std::pow(beta1, double(s.step()));
      const double c2 = 1 - std::pow(beta2, double(s.step()));
      torch::Tensor u = (m / c1) / ((v / c2).sqrt_().add_(o.eps()));  // same shape as p
      if (o.weight_decay() != 0) {
        u.add_(p, o.weight_decay());
        // The trust ratio stays on the device (no host sync per tensor): 1 when a norm is 0.
        torch::Tensor w_norm = p.norm(), u_norm = u.norm();
        u.mul_(torch::where(w_norm.gt(0).logical_and(u_norm.gt(0)), w_norm / u_norm,
                            torch::ones_like(w_norm)));
      }
      p.add_(u, -o.lr());
    }
  }
  return loss;
}

}  // namespace bertforge
