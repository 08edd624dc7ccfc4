// The per-parameter state that AdamW, FusedAdamW and Lamb share (step, exp_avg, exp_avg_sq):
// LibTorch's own AdamWParamState, kept where torch::optim::AdamW keeps it, so checkpoints written
// by any of the three load into the others.
#pragma once

#include <torch/torch.h>

namespace bertforge {

// The loss of an optimizer step's closure, evaluated with autograd on (undefined without one):
// what every step() does before it updates under NoGradGuard.
torch::Tensor closure_loss(const torch::optim::Optimizer::LossClosure& closure);

// The state of `p` in `opt`, made (step 0, zero moments shaped like p) on first use.
torch::optim::AdamWParamState& adam_state(torch::optim::Optimizer& opt, const torch::Tensor& p);

}  // namespace bertforge
