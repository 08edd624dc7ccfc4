// Running a fine-tuned model over encoded examples: the per-example outputs, and the validation
// metrics of fine-tuning computed from them (labelled/metrics.h).
#pragma once

#include <torch/torch.h>

#include <nlohmann/json.hpp>
#include <vector>

#include "finetune/classifier.h"
#include "labelled/encode.h"
#include "labelled/label_set.h"

namespace bertforge {

struct Outputs {
  // classification: per example, its class probabilities; regression: {value};
  // token_classification: per kept word, its tag probabilities (flattened: words x labels).
  std::vector<std::vector<float>> values;
  double loss = 0;  // mean task loss over the batches (labelled examples only)
};

// The model (put in eval mode) over `examples` in batches of `batch_size`, on `device`.
Outputs run_model(ClassifierModel& model, const std::vector<EncodedExample>& examples, int64_t pad,
                  int batch_size, const torch::Device& device, bool labelled);

// The label ids a classification or token task predicts from `outputs` (per example; token
// tasks: per kept word, followed by "O"-less padding handled by the caller).
std::vector<int> argmax_row(const std::vector<float>& probs, int labels);

// The metrics of `task` for predictions `outputs` against `examples` (as encoded from `raw`):
// classification {accuracy, macro_f1, mcc}; regression {pearson, spearman}; token_classification
// {f1, precision, recall, accuracy} (words cut off by truncation count as predicted "O").
nlohmann::json task_metrics(const std::string& task, const Outputs& outputs,
                            const std::vector<EncodedExample>& examples,
                            const std::vector<LabelledExample>& raw, const LabelSet& labels);

}  // namespace bertforge
