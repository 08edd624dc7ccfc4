// The HuggingFace config.json key map, both directions, for each architecture: BertForPreTraining
// (model_type "bert"), RobertaForMaskedLM ("roberta", and XLM-R's "xlm-roberta": BERT's keys,
// max_position_embeddings pad_token_id + 1 more than model.max_position) and ModernBertForMaskedLM
// ("modernbert"). Export writes with hf_model_config (hf_config.cpp); import reads with
// parse_hf_config, model_config_from_hf and bertforge_export_keys (hf_config_read.cpp, torch-free:
// tests/fuzz/hf_config_fuzz.cpp fuzzes it).
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "config/config.h"

namespace bertforge {

struct SpecialIds;

// One numeric config.json key that carries a ModelConfig field: the one key map that export
// (hf_model_config) writes and import (model_config_from_hf) reads, with the range it accepts.
struct HfShapeKey {
  const char* hf;                       // HuggingFace's name, e.g. "hidden_size"
  int ModelConfig::*integer = nullptr;  // the field, when an integer
  double ModelConfig::*real = nullptr;  // the field, when a real number
  double lo = 0, hi = 0;                // accepted on import: [lo, hi], or (lo, hi] when open_low
  bool open_low = false;
  bool required = false;  // else an absent key means `fallback`
  double fallback = 0;
};
// The shape keys of model.architecture "bert" (and "roberta") or "modernbert".
const std::vector<HfShapeKey>& hf_shape_keys(const std::string& architecture);

// The model keys of config.json for a model of shape `m` and `vocab_size` (architectures,
// model_type, the shape keys, special ids, the fixed choices of bertforge's implementation).
nlohmann::json hf_model_config(const ModelConfig& m, int64_t vocab_size,
                               const SpecialIds& specials);

// The JSON of a config.json's text `text`; throws InputError naming `path` when it is not JSON.
nlohmann::json parse_hf_config(const std::string& text, const std::string& path);
// Sets `m` (architecture and shape keys) from a config.json; returns its vocab_size. Throws
// InputError naming `path` for another model_type, a variant bertforge does not implement, a key
// of the wrong type or out of range, or a model too big to allocate (more than
// kMaxHfParameters weights), so that the model can be built from `m` without further checks.
// `pad_id` (optional) receives pad_token_id (0 when absent; RoBERTa's default 1).
int64_t model_config_from_hf(const nlohmann::json& hf, const std::string& path, ModelConfig* m,
                             int64_t* pad_id = nullptr);
// The largest model config.json may describe: 2^32 weights (16 GiB in fp32).
constexpr int64_t kMaxHfParameters = int64_t{1} << 32;

// What `bertforge export` adds to config.json: {"bertforge": {"step", "nsp", "config", ...}}.
struct HfExportKeys {
  bool ours = false;        // config.json has a "bertforge" object
  bool has_config = false;  // ... holding the training config, parsed into `config`
  Config config;
  int64_t step = 0;  // the checkpoint's step (0 when absent)
  bool nsp = true;   // false when the export's NSP head was never trained
};
// Reads and checks the "bertforge" keys of `hf` (none: a public model). Throws InputError naming
// `path` when one has the wrong type or the training config is invalid.
HfExportKeys bertforge_export_keys(const nlohmann::json& hf, const std::string& path);

}  // namespace bertforge
