// The HuggingFace config.json key map, both directions, for each architecture: BertForPreTraining
// (model_type "bert") and ModernBertForMaskedLM (model_type "modernbert"). Export writes with
// hf_model_config; import reads with model_config_from_hf. Torch-free.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "common/config.h"

namespace bertforge {

struct BertShape;
struct SpecialIds;

// The model keys of config.json for `s` (architectures, model_type, sizes, special ids, ...).
nlohmann::json hf_model_config(const BertShape& s, const SpecialIds& specials);
// Sets `m` (architecture and shape keys) from a config.json; returns its vocab_size. Throws
// InputError naming `path` for another model_type or a variant bertforge does not implement.
int64_t model_config_from_hf(const nlohmann::json& hf, const std::string& path, ModelConfig* m);

}  // namespace bertforge
