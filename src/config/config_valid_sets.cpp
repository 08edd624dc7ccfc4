// data.valid_sets (named validation sets) and the train keys that name one: eval_set, guard_set,
// guard_max_rise. Read in either form ({name: files} or [{name, files}]), written as the list.
#include <algorithm>
#include <cctype>
#include <cmath>
#include <nlohmann/json.hpp>

#include "config/config_table.h"
#include "errors/errors.h"
#include "errors/suggest.h"

namespace bertforge {
using json = nlohmann::json;

void to_json(json& j, const ValidSetConfig& s) { j = {{"name", s.name}, {"files", s.files}}; }

namespace config_table {
namespace {

ValidSetConfig set_from_object(const json& v, const std::string& key) {
  if (!v.is_object())
    throw ConfigError(
        key, "expected an object {\"name\", \"files\"} (got " + v.dump().substr(0, 80) + ")");
  check_object_keys(v, {"name", "files"}, key, "a validation set has name and files");
  if (!v.contains("name") || !v["name"].is_string())
    throw ConfigError(key + ".name", "expected the set's name, a string");
  if (!v.contains("files"))
    throw ConfigError(key + ".files", "is missing", "list the set's files, globs or directories");
  return {v["name"].get<std::string>(), file_list(v["files"], key + ".files")};
}

bool name_ok(const std::string& name) {
  return !name.empty() && name.size() <= 64 && std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
  });
}

// The names train.eval_set / train.guard_set may take: "valid" and every set's.
std::vector<std::string> set_names(const DataConfig& d) {
  std::vector<std::string> names = {kDefaultValidSet};
  for (const auto& s : d.valid_sets) names.push_back(s.name);
  return names;
}

// `key` (train.eval_set or train.guard_set) names a set that exists, or is empty.
void check_names_set(const std::string& key, const std::string& value, const DataConfig& d) {
  if (value.empty()) return;
  const std::vector<std::string> names = set_names(d);
  if (std::find(names.begin(), names.end(), value) != names.end()) return;
  std::string list;
  for (const auto& n : names) list += (list.empty() ? "" : ", ") + n;
  const std::string near = closest(value, names, 3);
  throw ConfigError(
      key, "names no validation set: '" + value + "'",
      near.empty() ? "the sets are " + list + " (data.valid_sets)" : did_you_mean(near));
}

}  // namespace

std::vector<ValidSetConfig> valid_sets_from_json(const json& v, const std::string& key) {
  std::vector<ValidSetConfig> out;
  if (v.is_object()) {
    for (auto it = v.begin(); it != v.end(); ++it)
      out.push_back({it.key(), file_list(it.value(), key + "." + it.key())});
    return out;
  }
  if (!v.is_array())
    throw ConfigError(
        key, "expected {\"name\": files, ...} or a list [{\"name\", \"files\"}, ...] (got " +
                 v.dump().substr(0, 80) + ")");
  for (size_t i = 0; i < v.size(); ++i)
    out.push_back(set_from_object(v[i], key + "[" + std::to_string(i) + "]"));
  return out;
}

void validate_valid_sets(const Config& c) {
  const DataConfig& d = c.data;
  if (d.valid_sets.size() > 64)
    throw ConfigError("data.valid_sets",
                      "at most 64 sets (got " + std::to_string(d.valid_sets.size()) + ")");
  for (size_t i = 0; i < d.valid_sets.size(); ++i) {
    const ValidSetConfig& s = d.valid_sets[i];
    if (!name_ok(s.name))
      throw ConfigError(
          "data.valid_sets",
          "a set's name must be 1-64 letters, digits, '_' or '-' (got '" + s.name + "')");
    const std::string key = "data.valid_sets." + s.name;
    if (s.name == kDefaultValidSet)
      throw ConfigError(key, "'valid' names the unnamed validation split",
                        "give the set another name (data.valid_files holds the unnamed split)");
    for (size_t j = 0; j < i; ++j)
      if (d.valid_sets[j].name == s.name) throw ConfigError(key, "'" + s.name + "' names two sets");
    if (s.files.empty()) throw ConfigError(key + ".files", "is empty", "list the set's files");
  }
  const TrainConfig& t = c.train;
  check_names_set("train.eval_set", t.eval_set, d);
  check_names_set("train.guard_set", t.guard_set, d);
  if (!(std::isfinite(t.guard_max_rise) && t.guard_max_rise >= 0))
    throw ConfigError("train.guard_max_rise", "must be a fraction >= 0, 0 = off (got " +
                                                  std::to_string(t.guard_max_rise) + ")");
  if (t.guard_max_rise == 0) return;
  if (t.guard_set.empty())
    throw ConfigError("train.guard_set", "is needed when train.guard_max_rise is set",
                      "name the validation set to guard, e.g. the general text (data.valid_sets)");
  if (t.eval_every == 0)
    throw ConfigError("train.guard_max_rise",
                      "needs periodic evaluation, but train.eval_every is 0 (only at the end)",
                      "set train.eval_every to the steps between evaluations");
  if (t.objective == "clm_then_mlm")
    throw ConfigError("train.guard_max_rise",
                      "is not available with train.objective clm_then_mlm (its loss changes "
                      "meaning at the switch)",
                      "guard an mlm or clm run");
}

}  // namespace config_table
}  // namespace bertforge
