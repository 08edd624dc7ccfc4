#include "optim/fused_adamw.h"

#include <ATen/Parallel.h>
#include <ATen/record_function.h>

#include <cmath>

#include "kernels/adamw.h"
#include "optim/adam_state.h"

namespace bertforge {
namespace {

// The step's scalars, rounded to float as LibTorch's CPU kernels round them.
kernels::AdamWScalars scalars(const torch::optim::AdamWOptions& o, int64_t step) {
  const double b1 = std::get<0>(o.betas()), b2 = std::get<1>(o.betas());
  const double c1 = 1 - std::pow(b1, double(step)), c2 = 1 - std::pow(b2, double(step));
  return {float(1 - o.lr() * o.weight_decay()),
          float(b1),
          float(1 - b1),
          float(b2),
          float(1 - b2),
          float(std::sqrt(c2)),
          float(o.eps()),
          float(-(o.lr() / c1)),
          o.weight_decay() != 0};
}

bool fusable(const torch::Tensor& p, const torch::Tensor& g, const torch::Tensor& m,
             const torch::Tensor& v) {
  for (const torch::Tensor* t : {&p, &g, &m, &v})
    if (!t->device().is_cpu() || t->scalar_type() != torch::kFloat32 || !t->is_contiguous() ||
        t->numel() != p.numel())
      return false;
  return true;
}

// torch::optim::AdamW's tensor operations, for a parameter the loop cannot take.
void update_tensors(torch::Tensor& p, const torch::Tensor& g, torch::Tensor& m, torch::Tensor& v,
                    const torch::optim::AdamWOptions& o, int64_t step) {
  const double b1 = std::get<0>(o.betas()), b2 = std::get<1>(o.betas());
  if (o.weight_decay() != 0) p.mul_(1 - o.lr() * o.weight_decay());
  m.mul_(b1).add_(g, 1 - b1);
  v.mul_(b2).addcmul_(g, g, 1 - b2);
  const double c1 = 1 - std::pow(b1, double(step)), c2 = 1 - std::pow(b2, double(step));
  p.addcdiv_(m, (v.sqrt() / std::sqrt(c2)).add_(o.eps()), -(o.lr() / c1));
}

}  // namespace

torch::Tensor FusedAdamW::step(LossClosure closure) {
  for (auto& group : param_groups())
    if (static_cast<torch::optim::AdamWOptions&>(group.options()).amsgrad())
      return torch::optim::AdamW::step(closure);
  torch::Tensor loss = closure_loss(closure);
  RECORD_FUNCTION("bertforge::FusedAdamW::step", std::vector<c10::IValue>());  // for profiles
  torch::NoGradGuard no_grad;
  for (auto& group : param_groups()) {
    auto& o = static_cast<torch::optim::AdamWOptions&>(group.options());
    for (auto& p : group.params()) {
      if (!p.grad().defined()) continue;
      auto& st = adam_state(*this, p);
      st.step(st.step() + 1);
      torch::Tensor g = p.grad(), m = st.exp_avg(), v = st.exp_avg_sq();
      if (!fusable(p, g, m, v)) {
        update_tensors(p, g, m, v, o, st.step());
        continue;
      }
      const kernels::AdamWScalars s = scalars(o, st.step());
      float* w = p.data_ptr<float>();
      float *mp = m.data_ptr<float>(), *vp = v.data_ptr<float>();
      const float* gp = g.data_ptr<float>();
      at::parallel_for(0, p.numel(), 32768, [&](int64_t b, int64_t e) {
        kernels::adamw_update(w, gp, mp, vp, b, e, s);
      });
    }
  }
  return loss;
}

}  // namespace bertforge
