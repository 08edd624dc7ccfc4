// A loader Batch as tensors on the training device, with the masked positions gathered.
#pragma once

#include <torch/torch.h>

#include "data/batch.h"

namespace bertforge {

struct BatchTensors {
  torch::Tensor input_ids;       // (B, T) int64
  torch::Tensor token_type_ids;  // (B, T) int64
  torch::Tensor attention_mask;  // (B, T) int64
  torch::Tensor positions;       // (M) int64 flat indices of the masked positions
  torch::Tensor mlm_labels;      // (M) int64 original tokens there
  torch::Tensor nsp_labels;      // (B) int64, undefined when the batch has no NSP labels
};

BatchTensors to_tensors(const Batch& batch, const torch::Device& device);

}  // namespace bertforge
