// What `bertforge export` writes for a fine-tuned model: HuggingFace's
// {Bert,ModernBert}For{Sequence,Token}Classification weights and the config.json keys that make
// transformers load it as one (architectures, id2label, label2id, problem_type, the classifier's
// pooling and dropout).
#pragma once

#include <torch/torch.h>

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "checkpoint/pretrained.h"

namespace bertforge {

struct FinetunedExport {
  Pretrained pretrained;  // config, tokenizer, checksums, step; model: the encoder's shape only
  std::vector<std::pair<std::string, torch::Tensor>> tensors;
  nlohmann::json hf_keys;  // merged over hf_model_config's keys
};

// nullopt when `checkpoint` is not a fine-tuned model (find_finetuned). Throws UsageError for a
// head transformers has no class for (bert with mean pooling).
std::optional<FinetunedExport> finetuned_export(const std::string& checkpoint);

}  // namespace bertforge
