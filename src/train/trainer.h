// `bertforge train`: the MLM + NSP pre-training loop with checkpoints, logs, evaluation and exact
// resume. Works in a single process or as one rank of a data-parallel job (see distributed.h).
#pragma once

#include <memory>
#include <string>

#include "train/evaluator.h"

namespace bertforge {

struct Config;
struct CheckpointInfo;

struct TrainOptions {
  std::string resume;      // "" | "auto" | a checkpoint path: continue the same run exactly
  std::string init_from;   // "" | a checkpoint/final/export path: new run from its weights
  bool overwrite = false;  // start afresh even though run_dir has checkpoints (they are removed)
  // The checkpoint `resume` names, when the caller has already found and verified it (pipeline).
  std::shared_ptr<const CheckpointInfo> resume_checkpoint;
  // The checkpoint `init_from` names, when the caller has already found and verified it.
  std::shared_ptr<const CheckpointInfo> init_checkpoint;
};

struct TrainResult {
  int64_t steps = 0;
  std::string final_dir;
  EvalMetrics final_eval;  // on the validation split (examples = 0 when there is none)
  bool skipped = false;    // final/ already held this config's finished model
  // Why the run ended before its step budget: "" | early_stopping | over_specialisation (the
  // guard, train.guard_max_rise); stop_message says it in words, with the numbers.
  std::string stop_reason, stop_message;
};

TrainResult run_train(const Config& config, const TrainOptions& options);

}  // namespace bertforge
