// LAMB (You et al., 2019, "Large Batch Optimization for Deep Learning: Training BERT in 76
// minutes"), as NVIDIA's BERT recipe runs it (apex FusedLAMB defaults): Adam's bias-corrected
// direction plus decoupled weight decay, u = m^ / (sqrt(v^) + eps) + wd * w, scaled per tensor by
// the trust ratio ||w|| / ||u|| (1 when either norm is 0), for the groups with weight decay; the
// groups without it (biases, LayerNorm) take the plain Adam step.
//
// It keeps AdamW's state (step, exp_avg, exp_avg_sq) and options, so checkpoints and set_lr work
// unchanged: only step() differs.
#pragma once

#include <torch/torch.h>

#include <vector>

namespace bertforge {

class Lamb : public torch::optim::AdamW {
 public:
  Lamb(std::vector<torch::optim::OptimizerParamGroup> groups, torch::optim::AdamWOptions defaults)
      : torch::optim::AdamW(std::move(groups), std::move(defaults)) {}
  torch::Tensor step(LossClosure closure = nullptr) override;
};

}  // namespace bertforge
