// `bertforge pipeline`: tokenizer -> prepare -> train -> evaluate, skipping every stage whose
// output is complete and matches its inputs; and `bertforge train` (the same options).
#pragma once

#include "config/config.h"
#include "train/trainer.h"

namespace bertforge {

struct PipelineResult {
  TrainResult train;
  EvalMetrics final_eval;
};

// With options.init_from, the corpus is prepared with that model's tokenizer (and a config asking
// for another tokenizer is refused).
PipelineResult run_pipeline(const Config& config, const TrainOptions& options);

// `bertforge train`: with options.init_from, the corpus is first encoded with that model's
// tokenizer (the tokenizer and prepare stages), then the run trains.
TrainResult run_train_command(Config config, TrainOptions options);

// The commands: hold the run lock, run, and (pipeline) print where everything is and the final
// evaluation.
int train_command(const Config& config, const TrainOptions& options);
int pipeline_command(const Config& config, const TrainOptions& options);

}  // namespace bertforge
