#include "optim/optimizer.h"

#include "optim/fused_adamw.h"
#include "optim/lamb.h"

namespace bertforge {

bool decays(const std::string& name) {
  auto ends_with = [&](const char* s) {
    std::string suffix(s);
    return name.size() >= suffix.size() &&
           name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0;
  };
  return !(ends_with("bias") || name.find("LayerNorm") != std::string::npos ||
           ends_with("norm.weight"));  // ModernBERT's norms
}

std::unique_ptr<torch::optim::AdamW> make_optimizer(const torch::nn::Module& model,
                                                    const TrainConfig& t) {
  std::vector<torch::Tensor> decay, no_decay;
  for (const auto& item : model.named_parameters()) {
    (decays(item.key()) ? decay : no_decay).push_back(item.value());
  }
  auto options = [&](double wd) {
    return std::make_unique<torch::optim::AdamWOptions>(
        torch::optim::AdamWOptions(t.lr).betas({t.beta1, t.beta2}).eps(t.eps).weight_decay(wd));
  };
  std::vector<torch::optim::OptimizerParamGroup> groups;
  groups.emplace_back(decay, options(t.weight_decay));
  groups.emplace_back(no_decay, options(0.0));
  auto defaults = torch::optim::AdamWOptions(t.lr)
                      .betas({t.beta1, t.beta2})
                      .eps(t.eps)
                      .weight_decay(t.weight_decay);
  if (t.optimizer == "lamb") return std::make_unique<Lamb>(groups, defaults);
  return std::make_unique<FusedAdamW>(groups, defaults);
}

void set_lr(torch::optim::Optimizer& opt, double lr) {
  for (auto& g : opt.param_groups()) static_cast<torch::optim::AdamWOptions&>(g.options()).lr(lr);
}

}  // namespace bertforge
