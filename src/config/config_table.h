// The config's key table: one row per key, bound to a member of the structs in config.h. The one
// place a key is documented: `bertforge config --docs`, the commands' --help and the README's key
// table print these doc strings (config.h holds only the fields and their defaults). Internal to
// src/config/config*.cpp.
#pragma once

#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <variant>
#include <vector>

#include "config/config.h"

namespace bertforge {
// data.sources as JSON (config_sources.cpp): a list of objects {name, files, valid_files, weight}.
void to_json(nlohmann::json& j, const SourceConfig& s);
// data.valid_sets as JSON (config_valid_sets.cpp): a list of objects {name, files}.
void to_json(nlohmann::json& j, const ValidSetConfig& s);
}  // namespace bertforge

namespace bertforge::config_table {

// A value naming files: one string or a list of strings (files, globs, directories). Throws
// ConfigError naming `key` (config_sources.cpp, shared by data.sources and data.valid_sets).
std::vector<std::string> file_list(const nlohmann::json& v, const std::string& key);
// Throws ConfigError naming `key`.<member> for the first member of the object `v` not in `known`:
// "unknown key", with a did-you-mean when one is near, else `hint` (config_sources.cpp).
void check_object_keys(const nlohmann::json& v, const std::vector<std::string>& known,
                       const std::string& key, const std::string& hint);
// Reads data.sources from `v`, checking every key and type; throws ConfigError naming
// `key`[i].<field> (config_sources.cpp).
std::vector<SourceConfig> sources_from_json(const nlohmann::json& v, const std::string& key);
// Reads data.valid_sets from `v`: an object {name: files} (sets in name order) or a list of
// objects {name, files}; throws ConfigError naming `key`... (config_valid_sets.cpp).
std::vector<ValidSetConfig> valid_sets_from_json(const nlohmann::json& v, const std::string& key);
// Checks data.valid_sets (names unique, 1-64 of [A-Za-z0-9_-], files non-empty) and the train keys
// that name a set: eval_set, guard_set, guard_max_rise. Throws ConfigError naming the key.
void validate_valid_sets(const Config& c);

template <class S>
struct Field {
  const char* key;
  const char* doc;
  std::variant<int S::*, int64_t S::*, uint64_t S::*, double S::*, bool S::*, std::string S::*,
               std::vector<std::string> S::*, std::vector<SourceConfig> S::*,
               std::vector<ValidSetConfig> S::*>
      member;
  // model section: the key is part of the model's shape (model_shape_keys(), config.h).
  bool shape = false;
};

template <class S>
struct Section {
  const char* name;  // "" for the top level.
  std::vector<Field<S>> fields;
};

const Section<Config>& top_section();
const Section<TokenizerConfig>& tokenizer_section();
const Section<DataConfig>& data_section();
const Section<MaskingConfig>& masking_section();
const Section<ModelConfig>& model_section();
const Section<TrainConfig>& train_section();
// The `finetune` section's keys and value checks (config_finetune.cpp; validate_finetune is called
// by validate() and throws ConfigError naming the key).
const Section<FinetuneConfig>& finetune_section();
void validate_finetune(const FinetuneConfig& f);

// Calls f(section, structref) for every section of `c`.
template <class C, class F>
void for_each_section(C& c, F&& f) {
  f(top_section(), c);
  f(tokenizer_section(), c.tokenizer);
  f(data_section(), c.data);
  f(masking_section(), c.masking);
  f(model_section(), c.model);
  f(train_section(), c.train);
  f(finetune_section(), c.finetune);
}

}  // namespace bertforge::config_table
