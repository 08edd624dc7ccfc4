// The per-parameter state that AdamW, FusedAdamW and Lamb share (step, exp_avg, exp_avg_sq):
// LibTorch's own AdamWParamState, kept where torch::optim::AdamW keeps it, so checkpoints written
// by any of the three load into the others.
#pragma once

#include <torch/torch.h>

namespace bertforge {

// The state of `p` in `opt`, made (step 0, zero moments shaped like p) on first use.
torch::optim::AdamWParamState& adam_state(torch::optim::Optimizer& opt, const torch::Tensor& p);

}  // namespace bertforge
