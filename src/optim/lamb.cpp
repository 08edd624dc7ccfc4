#include "optim/lamb.h"

#include <cmath>

#include "optim/adam_state.h"

namespace bertforge {

torch::Tensor Lamb::step(LossClosure closure) {
  torch::Tensor loss = closure_loss(closure);
  torch::NoGradGuard no_grad;
  for (auto& group : param_groups()) {
    auto& o = static_cast<torch::optim::AdamWOptions&>(group.options());
    const double beta1 = std::get<0>(o.betas()), beta2 = std::get<1>(o.betas());
    for (auto& p : group.params()) {
      if (!p.grad().defined()) continue;
      const torch::Tensor& g = p.grad();
      auto& s = adam_state(*this, p);
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
