// `bertforge evaluate`: a model scored on held-out text (train/evaluator.h: evaluate_checkpoint),
// printed as a table a person reads or as one JSON object; `pipeline` prints its final evaluation
// the same way.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "train/evaluator.h"

namespace bertforge {

void print_eval(const EvalMetrics& m, bool as_json);

// `overrides`: --set masking.*, data.*, seed, train.batch_size (evaluate_checkpoint checks them).
int evaluate_command(const std::string& checkpoint, const std::string& data, int64_t max_batches,
                     const std::vector<std::string>& overrides, bool as_json);

}  // namespace bertforge
