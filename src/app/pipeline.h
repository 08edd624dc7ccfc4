// `bertforge pipeline`: tokenizer -> prepare -> train -> evaluate, skipping every stage whose
// output is complete and matches its inputs.
#pragma once

#include "train/trainer.h"

namespace bertforge {

struct Config;

struct PipelineResult {
  TrainResult train;
  EvalMetrics final_eval;
};

// With options.init_from, the corpus is prepared with that model's tokenizer (and a config asking
// for another tokenizer is refused).
PipelineResult run_pipeline(const Config& config, const TrainOptions& options);

// Points config.tokenizer.model at `init_from`'s tokenizer; ConfigError when the config names a
// different tokenizer model.
void adopt_init_tokenizer(Config& config, const std::string& init_from);

}  // namespace bertforge
