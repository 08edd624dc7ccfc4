#include "config/config.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>
#include <variant>

#include "config/config_table.h"
#include "errors/errors.h"
#include "errors/suggest.h"
#include "fs/fs.h"

namespace bertforge {
using json = nlohmann::json;
using namespace config_table;

namespace {

std::string key_path(const char* section, const char* key) {
  return *section ? std::string(section) + "." + key : std::string(key);
}

std::string type_name(const json& v) {
  switch (v.type()) {
    case json::value_t::null:
      return "null";
    case json::value_t::boolean:
      return "a boolean";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
      return "an integer";
    case json::value_t::number_float:
      return "a number";
    case json::value_t::string:
      return "a string";
    case json::value_t::array:
      return "a list";
    case json::value_t::object:
      return "an object";
    default:
      return "a value";
  }
}

// Assigns JSON value `v` to the member, checking its type.
template <class S>
void assign(S& s, const Field<S>& f, const json& v, const std::string& key) {
  auto bad = [&](const char* expected) {
    return ConfigError(
        key, std::string("expected ") + expected + " (got " + type_name(v) + " " + v.dump() + ")");
  };
  std::visit(
      [&](auto member) {
        using V = std::decay_t<decltype(s.*member)>;
        if constexpr (std::is_same_v<V, bool>) {
          if (!v.is_boolean()) throw bad("true or false");
          s.*member = v.get<bool>();
        } else if constexpr (std::is_integral_v<V>) {
          int64_t n = 0;
          if (v.is_number_float()) {
            // A whole number within int64 (1e3) is taken; casting any other double is UB.
            const double d = v.get<double>();
            if (!(d >= -9223372036854775808.0 && d < 9223372036854775808.0) || std::trunc(d) != d)
              throw bad("an integer");
            n = static_cast<int64_t>(d);
          } else if (v.is_number_unsigned()) {
            if (v.get<uint64_t>() > uint64_t(std::numeric_limits<int64_t>::max()))
              throw bad("an integer in range");
            n = static_cast<int64_t>(v.get<uint64_t>());
          } else if (v.is_number_integer()) {
            n = v.get<int64_t>();
          } else {
            throw bad("an integer");
          }
          if (std::is_unsigned_v<V> && n < 0) throw bad("a non-negative integer");
          if constexpr (sizeof(V) < sizeof(int64_t))
            if (n < static_cast<int64_t>(std::numeric_limits<V>::min()) ||
                n > static_cast<int64_t>(std::numeric_limits<V>::max()))
              throw bad("an integer in range");  // not wrapped round into a small one
          s.*member = static_cast<V>(n);
        } else if constexpr (std::is_floating_point_v<V>) {
          if (!v.is_number()) throw bad("a number");
          s.*member = v.get<double>();
        } else if constexpr (std::is_same_v<V, std::string>) {
          if (!v.is_string()) throw bad("a string");
          s.*member = v.get<std::string>();
        } else if constexpr (std::is_same_v<V, std::vector<SourceConfig>>) {
          s.*member = sources_from_json(v, key);
        } else if constexpr (std::is_same_v<V, std::vector<ValidSetConfig>>) {
          s.*member = valid_sets_from_json(v, key);
        } else {
          if (v.is_string()) {
            s.*member = {v.get<std::string>()};
            return;
          }
          if (!v.is_array()) throw bad("a list of strings");
          std::vector<std::string> out;
          for (const auto& e : v) {
            if (!e.is_string()) throw bad("a list of strings");
            out.push_back(e.get<std::string>());
          }
          s.*member = out;
        }
      },
      f.member);
}

template <class S>
json member_to_json(const S& s, const Field<S>& f) {
  return std::visit([&](auto member) { return json(s.*member); }, f.member);
}

std::vector<std::string> all_keys() {
  std::vector<std::string> keys;
  Config c;
  for_each_section(c, [&](const auto& sec, auto&) {
    for (const auto& f : sec.fields) keys.push_back(key_path(sec.name, f.key));
    if (*sec.name) keys.push_back(sec.name);
  });
  return keys;
}

[[noreturn]] void unknown_key(const std::string& key) {
  const std::string near = closest_key(key, all_keys());
  throw ConfigError(
      key, "unknown key",
      near.empty() ? "see `bertforge config --docs` for every key" : did_you_mean(near));
}

}  // namespace

const std::vector<ModelPreset>& model_presets() {
  static const std::vector<ModelPreset> p = {{"tiny", 2, 128, 2, 512},
                                             {"mini", 4, 256, 4, 1024},
                                             {"small", 4, 512, 8, 2048},
                                             {"medium", 8, 512, 8, 2048},
                                             {"base", 12, 768, 12, 3072}};
  return p;
}

void apply_preset(const std::string& preset, ModelConfig& m) {
  std::string names;
  for (const ModelPreset& p : model_presets()) {
    if (p.name == preset) {
      m.layers = p.layers, m.hidden = p.hidden, m.heads = p.heads, m.intermediate = p.intermediate;
      return;
    }
    names += (names.empty() ? "" : " | ") + p.name;
  }
  throw ConfigError("model.preset", "unknown preset '" + preset + "'", "expected " + names);
}

int resolve_threads(int threads) {
  if (threads > 0) return threads;
  unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : static_cast<int>(n);
}

Config config_from_json(const json& j, bool validate_config) {
  if (!j.is_object()) throw ConfigError("(top level)", "expected a JSON object");
  Config c;
  // Unknown sections / keys first, with suggestions.
  for (auto it = j.begin(); it != j.end(); ++it) {
    bool known = false;
    for_each_section(c, [&](const auto& sec, auto&) {
      if (*sec.name && it.key() == sec.name) {
        known = true;
        if (!it.value().is_object())
          throw ConfigError(it.key(), "expected an object (a section of keys)");
        for (auto kt = it.value().begin(); kt != it.value().end(); ++kt) {
          bool found = std::any_of(sec.fields.begin(), sec.fields.end(),
                                   [&](const auto& f) { return kt.key() == f.key; });
          if (!found) unknown_key(it.key() + "." + kt.key());
        }
      }
      if (!*sec.name)
        for (const auto& f : sec.fields)
          if (it.key() == f.key) known = true;
    });
    if (!known) unknown_key(it.key());
  }
  // The preset first, so that explicit sizes override it.
  if (j.contains("model") && j["model"].contains("preset")) {
    for (const auto& f : model_section().fields)
      if (std::string(f.key) == "preset") assign(c.model, f, j["model"]["preset"], "model.preset");
  }
  apply_preset(c.model.preset, c.model);
  for_each_section(c, [&](const auto& sec, auto& s) {
    const json* obj = *sec.name ? (j.contains(sec.name) ? &j[sec.name] : nullptr) : &j;
    if (!obj) return;
    for (const auto& f : sec.fields) {
      auto found = obj->find(f.key);
      if (found == obj->end()) continue;
      assign(s, f, *found, key_path(sec.name, f.key));
      c.given.insert(key_path(sec.name, f.key));
    }
  });
  // RoBERTa has one token type (all segments are type 0), unless the file says otherwise.
  if (c.model.architecture == "roberta" && !c.given.count("model.type_vocab_size"))
    c.model.type_vocab_size = 1;
  if (validate_config) validate(c);
  return c;
}

json config_to_json(const Config& cc) {
  Config& c = const_cast<Config&>(cc);
  json j = json::object();
  for_each_section(c, [&](const auto& sec, auto& s) {
    json& obj = *sec.name ? j[sec.name] : j;
    for (const auto& f : sec.fields) obj[f.key] = member_to_json(s, f);
  });
  return j;
}

std::string config_to_string(const Config& c) { return config_to_json(c).dump(2) + "\n"; }

std::vector<KeyDoc> config_keys() {
  std::vector<KeyDoc> out;
  Config c;
  for_each_section(c, [&](const auto& sec, auto& s) {
    for (const auto& f : sec.fields) {
      json v = member_to_json(s, f);
      std::string type = v.is_boolean()          ? "bool"
                         : v.is_number_integer() ? "int"
                         : v.is_number()         ? "float"
                         : v.is_string()         ? "string"
                                                 : "list";
      out.push_back({key_path(sec.name, f.key), type, v.dump(), f.doc});
    }
  });
  return out;
}

std::vector<std::string> model_shape_keys() {
  std::vector<std::string> keys;
  for (const auto& f : model_section().fields)
    if (f.shape) keys.push_back(f.key);
  return keys;
}

void copy_model_shape(const ModelConfig& from, ModelConfig& to) {
  for (const auto& f : model_section().fields)
    if (f.shape) std::visit([&](auto member) { to.*member = from.*member; }, f.member);
}

}  // namespace bertforge
