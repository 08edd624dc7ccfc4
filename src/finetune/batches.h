// Encoded examples (labelled/encode.h) as padded tensors: the inputs and the targets of a batch.
#pragma once

#include <torch/torch.h>

#include <vector>

#include "labelled/encode.h"

namespace bertforge {

struct LabelledBatch {
  torch::Tensor ids, types, mask;  // (B, T) int64, padded with [PAD] / 0 / 0
  torch::Tensor labels;            // (B) int64 | (B) float (regression) | (B, T) int64 (kIgnore)
};

// The examples `order[begin, end)` of `examples`, padded to the longest. `pad` is [PAD]'s id.
LabelledBatch make_batch(const std::vector<EncodedExample>& examples,
                         const std::vector<size_t>& order, size_t begin, size_t end, int64_t pad,
                         const std::string& task);

// The loss of `logits` against the batch's labels: cross-entropy (token tasks ignore kIgnore),
// mean squared error for regression (one output).
torch::Tensor task_loss(const torch::Tensor& logits, const LabelledBatch& batch,
                        const std::string& task);

}  // namespace bertforge
