#include "console/logging.h"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

namespace bertforge::log {
namespace {
spdlog::logger& logger() {
  static auto instance = [] {
    auto l = spdlog::stderr_logger_mt("bertforge");
    l->set_pattern("[%Y-%m-%d %H:%M:%S] [%^%l%$] %v");
    return l;
  }();
  return *instance;
}

spdlog::level::level_enum to_spdlog(Level level) {
  static const spdlog::level::level_enum map[] = {spdlog::level::debug, spdlog::level::info,
                                                  spdlog::level::warn, spdlog::level::err};
  return map[static_cast<int>(level)];
}
}  // namespace

void set_level(Level level) { logger().set_level(to_spdlog(level)); }
bool enabled(Level level) { return logger().should_log(to_spdlog(level)); }

void write(Level level, const std::string& msg) { logger().log(to_spdlog(level), msg); }

}  // namespace bertforge::log
