// The configuration: one typed struct per stage, every field with its default. What each key means
// is written once, in config.cpp's key table (printed by `bertforge config --docs`, and the
// README). Precedence: struct defaults < model preset < config file < --set overrides. The JSON is
// parsed and validated once, at the edge (load_config); stages only ever see these structs.
#pragma once

#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <set>
#include <string>
#include <vector>

#include "config/finetune_config.h"

namespace bertforge {

struct TokenizerConfig {
  // Keys documented in config.cpp's table: `bertforge config --docs` / README.
  std::string type = "unigram";
  int vocab_size = 8000;
  std::string model = "";
  int64_t max_sentences = 1000000;
  double character_coverage = 0.9995;
  bool byte_fallback = true;
  bool lowercase = false;
  int threads = 0;
  std::vector<std::string> add_tokens;
};

// One named corpus source of data.sources (keys documented in config_table.cpp, data.sources).
struct SourceConfig {
  std::string name;
  std::vector<std::string> files;
  std::vector<std::string> valid_files;
  double weight = 1.0;
  bool operator==(const SourceConfig& o) const {
    return name == o.name && files == o.files && valid_files == o.valid_files && weight == o.weight;
  }
};

// One named validation set of data.valid_sets (keys documented in config_table.cpp): prepared into
// its own split, scored at every evaluation (train.eval_set, train.guard_set).
struct ValidSetConfig {
  std::string name;
  std::vector<std::string> files;
  bool operator==(const ValidSetConfig& o) const { return name == o.name && files == o.files; }
};
// The name train.eval_set and train.guard_set give the unnamed validation split (data.valid_files
// or data.valid_fraction); no data.valid_sets entry may take it.
inline constexpr const char* kDefaultValidSet = "valid";

struct DataConfig {
  // Keys documented in config.cpp's table: `bertforge config --docs` / README.
  std::vector<std::string> train_files;
  std::vector<std::string> valid_files;
  std::vector<SourceConfig> sources;
  std::vector<ValidSetConfig> valid_sets;
  double valid_fraction = 0.01;
  std::string format = "text";
  std::string text_field = "text";
  std::string invalid_utf8 = "error";
  int max_seq_len = 128;
  double short_seq_prob = 0.1;
  bool nsp = true;
  bool pad_to_max = false;
  bool pack = false;
  int threads = 0;
  int64_t shard_tokens = 50000000;
  int prefetch = 8;
};

struct MaskingConfig {
  // Keys documented in config.cpp's table: `bertforge config --docs` / README.
  std::string strategy = "token";
  double probability = 0.15;
  double mask = 0.8;
  double random = 0.1;
  int max_predictions = 0;
  double span_p = 0.2;
  int span_max = 10;
};

// The one declaration of the model's shape (model/shape.h adds what the tokenizer fixes). The
// table marks which keys are shape (model_shape_keys()); dropout, attention_dropout,
// initializer_range and preset are not.
struct ModelConfig {
  // Keys documented in config_table.cpp: `bertforge config --docs` / docs/configuration.md.
  std::string architecture = "bert";
  std::string preset = "tiny";
  int layers = 2;
  int hidden = 128;
  int heads = 2;
  int intermediate = 512;
  int max_position = 512;
  double dropout = 0.1;
  double attention_dropout = 0.1;
  int type_vocab_size = 2;
  double layer_norm_eps = 1e-12;
  double initializer_range = 0.02;
  int global_attn_every_n_layers = 3;
  int local_attention = 128;
  double global_rope_theta = 160000.0;
  double local_rope_theta = 10000.0;
};

struct TrainConfig {
  // Keys documented in config.cpp's table: `bertforge config --docs` / README.
  int64_t steps = 1000;
  double epochs = 0;
  int batch_size = 32;
  int grad_accum = 1;
  double lr = 1e-4;
  int64_t warmup_steps = -1;
  double warmup_ratio = 0.01;
  std::string schedule = "linear";
  double decay_ratio = 0.2;
  std::string optimizer = "adamw";
  double weight_decay = 0.01;
  double beta1 = 0.9;
  double beta2 = 0.999;
  double eps = 1e-6;
  double clip_norm = 1.0;
  double nsp_weight = 1.0;
  int64_t log_every = 10;
  int64_t eval_every = 500;
  int64_t eval_batches = 50;
  int64_t save_every = 500;
  double save_every_minutes = 0.0;
  int keep_last = 3;
  bool keep_best = true;
  bool tensorboard = true;
  int early_stopping = 0;
  double early_stopping_min_delta = 0.0;
  std::string eval_set = "";
  std::string guard_set = "";
  double guard_max_rise = 0.0;
  int threads = 0;
  std::string thread_mode = "auto";
  std::string device = "cpu";
  std::string precision = "auto";
  std::string objective = "mlm";
  double clm_share = 0.5;
  int max_skipped_steps = 0;
  int dist_timeout_sec = 300;
};

struct Config {
  // Keys documented in config.cpp's table: `bertforge config --docs` / README.
  std::string run_dir = "runs/default";
  uint64_t seed = 42;
  TokenizerConfig tokenizer;
  DataConfig data;
  MaskingConfig masking;
  ModelConfig model;
  TrainConfig train;
  FinetuneConfig finetune;
  // The dotted keys the config file or --set gave explicitly (not serialised): what a user asked
  // for, as opposed to defaults, so that --init-from can say which of their choices it overrides.
  std::set<std::string> given;
};

// One documented key, for help texts and the README table.
struct KeyDoc {
  std::string key;       // Dotted path, e.g. "train.lr".
  std::string type;      // int | float | bool | string | list.
  std::string fallback;  // Default, as JSON.
  std::string doc;
};

// Reads `path` (may be empty: defaults only), applies `overrides` ("a.b=value", value parsed as
// JSON, else taken as a string), applies the model preset and validates. Throws ConfigError.
Config load_config(const std::string& path, const std::vector<std::string>& overrides);
// `c` with --set style overrides applied (and validated again).
Config with_overrides(const Config& c, const std::vector<std::string>& overrides);
// Same, from an already parsed JSON object (used by tests and checkpoints).
Config config_from_json(const nlohmann::json& j, bool validate_config = true);
// (validate_config false: each key is still type-checked, the rules between keys are not: for
// reading one section on its own, e.g. a checkpoint's model shape.)
// Every key of `c` with its value (what config_from_json reads back; `given` is not written).
nlohmann::json config_to_json(const Config& c);
std::string config_to_string(const Config& c);  // Pretty JSON.
// Checks every value's range or choice and the cross-field constraints; throws ConfigError naming
// the key.
void validate(const Config& c);  // in config_validate.cpp
// Every key with its type, default and documentation.
std::vector<KeyDoc> config_keys();

// model.preset: a named size. The one list of presets (`bertforge config --docs` prints it).
struct ModelPreset {
  std::string name;
  int layers, hidden, heads, intermediate;
};
const std::vector<ModelPreset>& model_presets();

// The model keys that make the model's shape, in the table's order (architecture first): what a
// resumed or continued checkpoint must agree on, and what --init-from adopts.
std::vector<std::string> model_shape_keys();
// Sets every shape key of `to` to its value in `from`.
void copy_model_shape(const ModelConfig& from, ModelConfig& to);

// Resolved thread count (0 = all cores).
int resolve_threads(int threads);

}  // namespace bertforge
