// Typed access to tokenizer.json values for the HuggingFace tokenizer reader: every failure is a
// FormatError naming the JSON path ("model.merges[3]") and what was expected. Torch-free.
#pragma once

#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>

namespace bertforge::hf {
using json = nlohmann::json;

class FormatError : public std::runtime_error {
 public:
  FormatError(std::string path, const std::string& what)
      : std::runtime_error(what), path_(std::move(path)) {}
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

inline std::string join_path(const std::string& path, const std::string& key) {
  return path.empty() ? key : path + "." + key;
}
inline std::string index_path(const std::string& path, size_t i) {
  return path + "[" + std::to_string(i) + "]";
}

inline const char* type_name(const json& v) { return v.type_name(); }

// The object `j` (FormatError at `path` otherwise).
inline const json& as_object(const json& j, const std::string& path) {
  if (!j.is_object())
    throw FormatError(path, std::string("expected an object, got ") + type_name(j));
  return j;
}
inline const json& as_array(const json& j, const std::string& path) {
  if (!j.is_array()) throw FormatError(path, std::string("expected an array, got ") + type_name(j));
  return j;
}
inline std::string as_string(const json& j, const std::string& path) {
  if (!j.is_string())
    throw FormatError(path, std::string("expected a string, got ") + type_name(j));
  return j.get<std::string>();
}
inline bool as_bool(const json& j, const std::string& path) {
  if (!j.is_boolean())
    throw FormatError(path, std::string("expected true or false, got ") + type_name(j));
  return j.get<bool>();
}
inline double as_number(const json& j, const std::string& path) {
  if (!j.is_number())
    throw FormatError(path, std::string("expected a number, got ") + type_name(j));
  return j.get<double>();
}
inline int64_t as_int(const json& j, const std::string& path, int64_t lo, int64_t hi) {
  if (!j.is_number_integer() && !j.is_number_unsigned())
    throw FormatError(path, std::string("expected an integer, got ") + type_name(j));
  if (j.is_number_unsigned() && j.get<uint64_t>() > static_cast<uint64_t>(hi))
    throw FormatError(path, "out of range (at most " + std::to_string(hi) + ")");
  const int64_t v = j.get<int64_t>();
  if (v < lo || v > hi)
    throw FormatError(path, std::to_string(v) + " is out of range [" + std::to_string(lo) + ", " +
                                std::to_string(hi) + "]");
  return v;
}

// Member `key` of object `j` at `path`: required, or the default when absent or null.
inline const json& member(const json& j, const char* key, const std::string& path) {
  auto it = j.find(key);
  if (it == j.end()) throw FormatError(join_path(path, key), "missing");
  return *it;
}
inline bool opt_bool(const json& j, const char* key, const std::string& path, bool def) {
  auto it = j.find(key);
  return it == j.end() || it->is_null() ? def : as_bool(*it, join_path(path, key));
}
inline std::string opt_string(const json& j, const char* key, const std::string& path,
                              const std::string& def) {
  auto it = j.find(key);
  return it == j.end() || it->is_null() ? def : as_string(*it, join_path(path, key));
}
inline std::string type_of(const json& j, const std::string& path) {
  as_object(j, path);
  return as_string(member(j, "type", path), join_path(path, "type"));
}
[[noreturn]] inline void unknown_type(const std::string& family, const std::string& type,
                                      const std::string& path) {
  throw FormatError(join_path(path, "type"), "unsupported " + family + " \"" + type +
                                                 "\" (bertforge does not implement it)");
}

}  // namespace bertforge::hf
