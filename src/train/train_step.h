// One optimizer step of pre-training, as llm.c's training section reads: the step's micro-batches
// and the global counts that normalise its loss, then forward + backward over the micro-batches,
// gradient all-reduce, clipping and the update (skipped when the loss or the gradients are not
// finite). The policy around it (how many skips are allowed, logging, saving) is the trainer's.
#pragma once

#include <torch/torch.h>

#include <string>
#include <vector>

#include "data/batch.h"
#include "data/loader.h"
#include "model/model.h"

namespace bertforge {

class BatchParallel;
class Distributed;

// Counts of a step's examples, summed over its micro-batches (and, once reduced, over ranks).
struct StepCounts {
  double masked = 0;        // positions in the MLM loss
  double nsp_examples = 0;  // examples with an NSP label
  double real_tokens = 0;   // non-padding tokens
  double positions = 0;     // all positions computed (batch x padded length)
};

// A step's input: its micro-batches, where the loader stood before them, and their counts.
struct StepBatches {
  std::vector<Batch> micro;
  LoaderPosition before;
  StepCounts local;
};

// Fetches `accum` micro-batches from `loader`; `causal`: in their causal-LM view (data/causal.h).
StepBatches next_step_batches(Loader& loader, int accum, bool causal = false);

// The metric sums of one step over its micro-batches and all ranks.
struct StepMetrics {
  double loss = 0, mlm_loss = 0, nsp_loss = 0;
  double mlm_correct = 0, mlm_count = 0, nsp_correct = 0, nsp_count = 0;
};

// What a step needs besides the model and the data.
struct StepSettings {
  torch::Device device = torch::kCPU;
  std::string precision = "fp32";  // train.precision
  uint64_t seed = 0;               // dropout is reseeded from (seed, step, micro, rank)
  int64_t step = 0;                // the step being taken (0-based)
  double nsp_weight = 1.0;
  double clip_norm = 0;  // 0 = no clipping
  bool causal = false;   // a causal-LM step (the batches are in their causal view)
};

struct StepResult {
  StepMetrics metrics;
  double grad_norm = 0;  // before clipping
  bool updated = false;  // false: the loss or the gradients were not finite, nothing changed
};

// Forward and backward over `batches.micro` (each split over `workers`' threads) with the loss
// normalised by the global counts `global`, all-reduce of the gradients and metrics, clipping and
// the optimizer update. The gradients are dropped afterwards (undefined). `reached` (one flag per
// weight, kept by the caller across steps) marks the weights that have had a gradient in this run:
// they get zeros where a later step does not reach them. Every rank calls it with its own batches.
StepResult train_step(BatchParallel& workers, torch::optim::Optimizer& optimizer,
                      std::vector<torch::Tensor>& params, std::vector<char>& reached,
                      const StepBatches& batches, const StepCounts& global, const StepSettings& s,
                      Distributed& dist);

}  // namespace bertforge
