// Logging facade: the only place that knows about spdlog. Lines go to stderr as
// "[time] [level] message"; messages are fmt format strings, checked at compile time:
//   log::info("step {}: loss {:.4f}", step, loss);
// A message that is already a string goes as it is: log::warn(error.what()).
#pragma once

#include <fmt/format.h>

#include <string>
#include <utility>

namespace bertforge::log {

enum class Level { kDebug, kInfo, kWarn, kError };

// Lines below `level` are dropped: --verbose sets kDebug, --quiet kWarn; the default is kInfo.
void set_level(Level level);
bool enabled(Level level);
// Writes one line at `level` (when enabled).
void write(Level level, const std::string& msg);

inline void debug(const std::string& msg) { write(Level::kDebug, msg); }
inline void info(const std::string& msg) { write(Level::kInfo, msg); }
inline void warn(const std::string& msg) { write(Level::kWarn, msg); }
inline void error(const std::string& msg) { write(Level::kError, msg); }

template <typename... Args>
void debug(fmt::format_string<Args...> f, Args&&... args) {
  if (enabled(Level::kDebug)) write(Level::kDebug, fmt::format(f, std::forward<Args>(args)...));
}
template <typename... Args>
void info(fmt::format_string<Args...> f, Args&&... args) {
  if (enabled(Level::kInfo)) write(Level::kInfo, fmt::format(f, std::forward<Args>(args)...));
}
template <typename... Args>
void warn(fmt::format_string<Args...> f, Args&&... args) {
  if (enabled(Level::kWarn)) write(Level::kWarn, fmt::format(f, std::forward<Args>(args)...));
}
template <typename... Args>
void error(fmt::format_string<Args...> f, Args&&... args) {
  if (enabled(Level::kError)) write(Level::kError, fmt::format(f, std::forward<Args>(args)...));
}

}  // namespace bertforge::log
