// `bertforge export`: a checkpoint as a HuggingFace BertForPreTraining directory (config.json,
// model.safetensors, spiece.model, tokenizer_config.json, special_tokens_map.json).
#pragma once

#include <string>

namespace bertforge {

// Refuses a non-empty `out` unless `force`. Returns the number of tensors written.
int export_huggingface(const std::string& checkpoint, const std::string& out, bool force);

// export_huggingface, then "exported N tensors to OUT".
int export_command(const std::string& checkpoint, const std::string& out, bool force);

}  // namespace bertforge
