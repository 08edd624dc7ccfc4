#include "errors/errors.h"

namespace bertforge {
namespace {
std::string with_hint(std::string s, const std::string& hint) {
  if (!hint.empty()) s += " (hint: " + hint + ")";
  return s;
}
}  // namespace

ConfigError::ConfigError(const std::string& key, const std::string& what, const std::string& hint)
    : Error(with_hint("config: " + key + ": " + what, hint), kExitUsage) {}

InputError::InputError(const std::string& path, long line, const std::string& what,
                       const std::string& hint)
    : Error(with_hint(path + (line > 0 ? ":" + std::to_string(line) : std::string()) + ": " + what,
                      hint),
            kExitRuntime) {}

RuntimeError::RuntimeError(const std::string& what, const std::string& hint)
    : Error(with_hint(what, hint), kExitRuntime) {}

}  // namespace bertforge
