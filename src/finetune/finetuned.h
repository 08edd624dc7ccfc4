// Fine-tuned models on disk: a checkpoint directory (checkpoint/checkpoint.h's layout) whose
// weights are a ClassifierModel's and which holds labels.json ({"task", "labels"}) beside them; its
// config.json's finetune section says how examples are read and encoded.
#pragma once

#include <string>

#include "config/config.h"
#include "finetune/classifier.h"
#include "labelled/label_set.h"

namespace bertforge {

constexpr const char* kLabelsFile = "labels.json";

struct Finetuned {
  ClassifierModel model{nullptr};  // on CPU
  Config config;
  LabelSet labels;
  std::string task;
  std::string dir;              // the checkpoint directory
  std::string tokenizer_model;  // its tokenizer file
  std::string tokenizer_checksum, weights_checksum;
  int64_t step = 0;
};

// True when `dir` is a fine-tuned checkpoint (holds labels.json).
bool is_finetuned_dir(const std::string& dir);
// The fine-tuned checkpoint a user's path means, or "" when it is none: the directory itself, or,
// for a run directory, its best/, else final/, else its newest step checkpoint.
std::string find_finetuned(const std::string& path);
// The head a fine-tuning config and label set build on an encoder of `architecture`.
HeadSpec head_spec(const FinetuneConfig& f, const LabelSet& labels,
                   const std::string& architecture);
// Loads (and verifies) the fine-tuned model at `path` (see find_finetuned); throws InputError
// when there is none.
Finetuned load_finetuned(const std::string& path);

}  // namespace bertforge
