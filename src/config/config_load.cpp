// Reading a config: the file (or none), then the --set overrides, then config_from_json's typed
// parse and validation (config.h).
#include <algorithm>
#include <nlohmann/json.hpp>
#include <sstream>

#include "config/config.h"
#include "errors/errors.h"
#include "fs/fs.h"

namespace bertforge {

using json = nlohmann::json;

namespace {
// Sets `value` at dotted `path` inside object `j`, creating sections as needed.
void set_path(json& j, const std::string& path, const json& value) {
  json* cur = &j;
  std::stringstream ss(path);
  std::string part;
  std::vector<std::string> parts;
  while (std::getline(ss, part, '.')) parts.push_back(part);
  if (parts.empty() || std::any_of(parts.begin(), parts.end(), [](auto& p) { return p.empty(); }))
    throw ConfigError(path, "malformed key path in --set", "use --set section.key=value");
  for (size_t i = 0; i + 1 < parts.size(); ++i) {
    json& next = (*cur)[parts[i]];
    if (!next.is_object()) next = json::object();
    cur = &next;
  }
  (*cur)[parts.back()] = value;
}
}  // namespace

namespace {
// Applies "a.b=value" overrides (value parsed as JSON, else taken as a string) to `j`.
void set_overrides(json& j, const std::vector<std::string>& overrides) {
  for (const auto& o : overrides) {
    auto eq = o.find('=');
    if (eq == std::string::npos || eq == 0)
      throw ConfigError(o, "malformed --set", "use --set section.key=value");
    std::string key = o.substr(0, eq), raw = o.substr(eq + 1);
    json value;
    try {
      value = json::parse(raw);
    } catch (const json::parse_error&) {
      value = raw;                         // plain strings need no quotes: --set train.device=cpu
    } catch (const json::out_of_range&) {  // 1e999: a number, but not a double
      throw ConfigError(key, "number out of range: " + raw);
    }
    set_path(j, key, value);
  }
}
}  // namespace

Config load_config(const std::string& path, const std::vector<std::string>& overrides) {
  json j = json::object();
  if (!path.empty()) {
    if (!fs::exists(path)) throw Error(path + ": no such config file", kExitUsage);
    if (fs::is_dir(path))
      throw Error(path + ": is a directory, expected a JSON config file", kExitUsage);
    std::string text = fs::read_file(path);
    try {
      j = json::parse(text);
    } catch (const json::parse_error& e) {
      // e.byte is the 1-based offset of the error; turn it into a line number.
      size_t upto = std::min<size_t>(e.byte ? e.byte - 1 : 0, text.size());
      long line = 1 + std::count(text.begin(), text.begin() + upto, '\n');
      std::string msg = e.what();
      auto pos = msg.find("syntax error");
      throw Error(path + ":" + std::to_string(line) +
                      ": malformed JSON: " + (pos != std::string::npos ? msg.substr(pos) : msg),
                  kExitUsage);
    } catch (const json::out_of_range& e) {  // 1e999: a number, but not a double
      const std::string msg = e.what();
      throw Error(path + ": malformed JSON: " + msg.substr(msg.find("] ") + 2), kExitUsage);
    }
    if (!j.is_object()) throw Error(path + ": expected a JSON object at the top level", kExitUsage);
  }
  set_overrides(j, overrides);
  return config_from_json(j);
}

Config with_overrides(const Config& c, const std::vector<std::string>& overrides) {
  json j = config_to_json(c);
  set_overrides(j, overrides);
  Config out = config_from_json(j);
  out.given = c.given;  // config_to_json wrote every key; only the overrides are newly given
  for (const auto& o : overrides) out.given.insert(o.substr(0, o.find('=')));
  return out;
}

}  // namespace bertforge
