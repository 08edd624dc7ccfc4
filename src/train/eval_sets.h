// Every validation set of a run scored at one evaluation: the unnamed split (data.valid_files or
// data.valid_fraction; named kDefaultValidSet) and each of data.valid_sets, with the same evaluator
// and the same count baselines (of the training shards).
#pragma once

#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

#include "train/evaluator.h"

namespace bertforge {

struct RunInputs;

struct SetMetrics {
  std::string name;  // kDefaultValidSet (the unnamed split) or a data.valid_sets name
  EvalMetrics metrics;
};

// Scores the unnamed split (when there is one), then every named set, in the config's order; each
// result's step is `step`. Collective with `dist` (every rank calls it).
std::vector<SetMetrics> evaluate_sets(PreTrainingModel& model, const RunInputs& in,
                                      const Config& config, const c10::Device& device, bool causal,
                                      int64_t step, Distributed* dist);

// The set named `name` of `results`; null when absent.
const EvalMetrics* find_set(const std::vector<SetMetrics>& results, const std::string& name);

// The eval.jsonl row of `r`: the unnamed split's as it always was, a named set's with "set".
nlohmann::json eval_row(const SetMetrics& r);

// The log line of `r` (eval_summary), with the set's name unless it is the unnamed split.
std::string set_summary(const SetMetrics& r, bool nsp);

}  // namespace bertforge
