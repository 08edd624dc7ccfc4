// AdamW (or LAMB, train.optimizer) with two parameter groups: weight decay on weight matrices and
// embeddings, none on biases and LayerNorm parameters (as BERT and HuggingFace do).
#pragma once

#include <torch/torch.h>

#include <memory>
#include <string>
#include <vector>

#include "config/config.h"

namespace bertforge {

// True when the named parameter gets weight decay.
bool decays(const std::string& parameter_name);

// A FusedAdamW (torch::optim::AdamW's update in one pass per parameter), or a Lamb (which shares
// AdamW's state and options) for train.optimizer = lamb.
std::unique_ptr<torch::optim::AdamW> make_optimizer(const torch::nn::Module& model,
                                                    const TrainConfig& t);

// Sets the learning rate of every group.
void set_lr(torch::optim::Optimizer& opt, double lr);

}  // namespace bertforge
