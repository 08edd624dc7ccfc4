// data.sources: the one config key whose value is a list of objects, read and written here so that
// config.cpp's generic table code stays about scalars and string lists.
#include <algorithm>
#include <nlohmann/json.hpp>

#include "config/config_table.h"
#include "errors/errors.h"
#include "errors/suggest.h"

namespace bertforge {
using json = nlohmann::json;

void to_json(json& j, const SourceConfig& s) {
  j = {{"name", s.name}, {"files", s.files}, {"weight", s.weight}};
  if (!s.valid_files.empty()) j["valid_files"] = s.valid_files;
}

namespace config_table {

std::vector<std::string> file_list(const json& v, const std::string& key) {
  if (v.is_string()) return {v.get<std::string>()};
  if (!v.is_array())
    throw ConfigError(key, "expected a file, glob or directory, or a list of them (got " +
                               v.dump().substr(0, 80) + ")");
  std::vector<std::string> out;
  for (const auto& e : v) {
    if (!e.is_string()) throw ConfigError(key, "expected a list of strings (got " + e.dump() + ")");
    out.push_back(e.get<std::string>());
  }
  return out;
}

void check_object_keys(const json& v, const std::vector<std::string>& known, const std::string& key,
                       const std::string& hint) {
  for (auto it = v.begin(); it != v.end(); ++it)
    if (std::find(known.begin(), known.end(), it.key()) == known.end()) {
      const std::string near = closest(it.key(), known, 3);
      throw ConfigError(key + "." + it.key(), "unknown key",
                        near.empty() ? hint : did_you_mean(near));
    }
}

namespace {

SourceConfig source_from_json(const json& v, const std::string& key) {
  if (!v.is_object())
    throw ConfigError(key, "expected an object {\"name\", \"files\", \"weight\"} (got " +
                               v.dump().substr(0, 80) + ")");
  check_object_keys(v, {"name", "files", "valid_files", "weight"}, key,
                    "a source has name, files, weight, valid_files");
  SourceConfig s;
  if (!v.contains("name") || !v["name"].is_string())
    throw ConfigError(key + ".name", "expected the source's name, a string");
  s.name = v["name"].get<std::string>();
  if (!v.contains("files"))
    throw ConfigError(key + ".files", "is missing",
                      "list the source's files, globs or directories");
  s.files = file_list(v["files"], key + ".files");
  if (v.contains("valid_files")) s.valid_files = file_list(v["valid_files"], key + ".valid_files");
  if (v.contains("weight")) {
    if (!v["weight"].is_number())
      throw ConfigError(key + ".weight", "expected a number (got " + v["weight"].dump() + ")");
    s.weight = v["weight"].get<double>();
  }
  return s;
}

}  // namespace

std::vector<SourceConfig> sources_from_json(const json& v, const std::string& key) {
  if (!v.is_array())
    throw ConfigError(key, "expected a list of sources [{\"name\", \"files\", \"weight\"}, ...]");
  std::vector<SourceConfig> out;
  for (size_t i = 0; i < v.size(); ++i)
    out.push_back(source_from_json(v[i], key + "[" + std::to_string(i) + "]"));
  return out;
}

}  // namespace config_table
}  // namespace bertforge
