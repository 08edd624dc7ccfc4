// The pre-training loss: loss = mlm_loss + nsp_weight * nsp_loss, where mlm_loss is the seed
// formula -sum_{i in M} log P(x_i | x_masked) / |M| and nsp_loss the 2-class cross-entropy.
#pragma once

#include <torch/torch.h>

namespace bertforge {

struct LossParts {
  torch::Tensor loss;                      // scalar to backpropagate
  torch::Tensor mlm_loss;                  // scalar, mean over the masked positions
  torch::Tensor nsp_loss;                  // scalar, mean over examples (0 when NSP is off)
  int64_t mlm_correct = 0, mlm_count = 0;  // label has the largest logit (masked positions)
  int64_t nsp_correct = 0, nsp_count = 0;
};

// mlm_logits: (M, V) at the masked positions; mlm_labels: (M) original tokens.
// nsp_logits: (B, 2); nsp_labels: (B) or undefined when NSP is off.
// The means divide by `mlm_denominator` / `nsp_denominator` when > 0 (the number of masked
// positions / examples in the whole global batch, so that gradient accumulation and data
// parallelism weigh every masked token equally), else by the local counts.
LossParts pretraining_loss(const torch::Tensor& mlm_logits, const torch::Tensor& mlm_labels,
                           const torch::Tensor& nsp_logits, const torch::Tensor& nsp_labels,
                           double nsp_weight, double mlm_denominator = 0,
                           double nsp_denominator = 0);

}  // namespace bertforge
