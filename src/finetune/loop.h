// The fine-tuning loop: epochs over the encoded training examples in a seeded order, AdamW with
// linear warmup and decay, the validation metrics at every epoch's end, checkpoints (weights,
// optimizer, cursor, DONE) at epoch ends and every train.save_every steps, best/ on the validation
// metric, final/ at the end. Everything a step does is a function of (seed, step), so a resumed
// run continues bit for bit.
#pragma once

#include <torch/torch.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "checkpoint/checkpoint.h"
#include "config/config.h"
#include "finetune/classifier.h"
#include "labelled/encode.h"
#include "labelled/label_set.h"
#include "train/train_state.h"

namespace bertforge {

struct FinetuneData {
  std::vector<EncodedExample> train, valid;
  std::vector<LabelledExample> valid_raw;  // for entity F1 (word tags)
  LabelSet labels;
};

struct FinetuneSetup {
  Config config;  // resolved: model = the encoder's shape
  ClassifierModel model{nullptr};
  std::unique_ptr<torch::optim::AdamW> optimizer;
  TrainState state;  // step 0, or the resumed checkpoint's
  bool resumed = false;
  std::string tokenizer_model;  // the file every checkpoint copies
  ExtraFiles extra;             // labels.json
  torch::Device device = torch::kCPU;
  int64_t pad = 0;
};

struct FinetuneResult {
  int64_t steps = 0;
  nlohmann::json best;  // the eval row of the best epoch (null without validation data)
  nlohmann::json last;  // the last eval row
  std::string final_dir, best_dir;
  std::string metric;  // the metric best/ follows
};

// The metric best/ follows for finetune.metric (auto: accuracy | pearson | f1 by task).
std::string selection_metric(const FinetuneConfig& f);

FinetuneResult finetune_loop(FinetuneSetup& setup, const FinetuneData& data);

}  // namespace bertforge
