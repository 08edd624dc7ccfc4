// A loader Batch as tensors on the training device, with the masked positions gathered.
#pragma once

#include <torch/torch.h>

#include "data/batch.h"
#include "model/model.h"

namespace bertforge {

struct BatchTensors {
  torch::Tensor input_ids;       // (R, T) int64 (R = B rows unless packed)
  torch::Tensor token_type_ids;  // (R, T) int64
  torch::Tensor attention_mask;  // (R, T) int64
  torch::Tensor positions;       // (M) int64 flat indices of the masked positions, row-major
  torch::Tensor mlm_labels;      // (M) int64 original tokens there
  torch::Tensor nsp_labels;      // (B) int64, undefined when the batch has no NSP labels
  PackedLayout packed;           // a packed batch's layout; undefined tensors when unpacked
};

BatchTensors to_tensors(const Batch& batch, const torch::Device& device);

}  // namespace bertforge
