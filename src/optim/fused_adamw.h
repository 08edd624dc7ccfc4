// AdamW (Loshchilov & Hutter, decoupled weight decay) with one pass over memory per parameter:
// w <- w * (1 - lr * wd); m <- b1 m + (1 - b1) g; v <- b2 v + (1 - b2) g^2;
// w <- w - lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)
// the formula and the order of operations of torch::optim::AdamW (and of PyTorch's Python AdamW),
// with LibTorch's state and options, so checkpoints move between the two unchanged.
//
// Why: torch::optim::AdamW runs about ten tensor operations per parameter, each a pass over the
// weights, the gradient or a moment (and two temporaries); on the CPU that was 10% of a mini bf16
// step. Here fp32 CPU tensors that are contiguous take one loop (split over the intra-op
// threads); anything else (CUDA, other dtypes, amsgrad) takes torch::optim::AdamW's own step.
#pragma once

#include <torch/torch.h>

#include <vector>

namespace bertforge {

class FusedAdamW : public torch::optim::AdamW {
 public:
  FusedAdamW(std::vector<torch::optim::OptimizerParamGroup> groups,
             torch::optim::AdamWOptions defaults)
      : torch::optim::AdamW(std::move(groups), std::move(defaults)) {}
  torch::Tensor step(LossClosure closure = nullptr) override;
};

}  // namespace bertforge
