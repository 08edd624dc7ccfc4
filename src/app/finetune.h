// `bertforge finetune`: fine-tune a pretrained encoder (any checkpoint bertforge reads, or fresh
// weights) on a labelled task (finetune.* keys) into run_dir: config.json, checkpoints/,
// logs/train.jsonl and logs/eval.jsonl (one row an epoch with the task's metrics), best/ (the best
// epoch on finetune.metric) and final/. --seeds N repeats it with seeds seed..seed+N-1 into
// run_dir/seed-<S>/ and summarises the best rows' metrics (mean, sample standard deviation, min,
// max) in run_dir/seeds.json.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "config/config.h"

namespace bertforge {

struct FinetuneOptions {
  std::string resume;     // "" | "auto" | a checkpoint path
  std::string init_from;  // overrides finetune.init_from
  bool overwrite = false;
  int seeds = 1;
};

// One run; returns {"steps", "metric", "best": eval row | null, "last": eval row | null,
// "final_dir", "best_dir"}.
nlohmann::json run_finetune(const Config& config, const FinetuneOptions& options);
// --seeds N (N >= 2): N runs; returns the summary written to run_dir/seeds.json.
nlohmann::json run_finetune_seeds(const Config& config, const FinetuneOptions& options);

// `bertforge finetune` as a command: holds the run lock, runs (with options.seeds > 1, every seed)
// and prints the best and last evaluations and where the models are (or the seeds' summary).
int finetune_command(const Config& config, const FinetuneOptions& options);

}  // namespace bertforge
