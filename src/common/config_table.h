// The config key table's building blocks (internal to src/common/config*.cpp): one Field per key,
// bound to a struct member, grouped in Sections. config.cpp holds the pretraining sections,
// config_finetune.cpp the finetune section; each key's doc string lives only in its row.
#pragma once

#include <string>
#include <variant>
#include <vector>

namespace bertforge::detail {

template <class S>
struct Field {
  const char* key;
  const char* doc;
  std::variant<int S::*, int64_t S::*, uint64_t S::*, double S::*, bool S::*, std::string S::*,
               std::vector<std::string> S::*>
      member;
};

template <class S>
struct Section {
  const char* name;  // "" for the top level.
  std::vector<Field<S>> fields;
};

}  // namespace bertforge::detail

namespace bertforge {
struct FinetuneConfig;
namespace detail {
// The `finetune` section's keys (config_finetune.cpp).
const Section<FinetuneConfig>& finetune_section();
// Its value checks (called by validate()); throws ConfigError naming the key.
void validate_finetune(const FinetuneConfig& f);
}  // namespace detail
}  // namespace bertforge
