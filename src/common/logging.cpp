#include "common/logging.h"

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
}  // namespace

void set_level(Level level) {
  static const spdlog::level::level_enum map[] = {spdlog::level::debug, spdlog::level::info,
                                                  spdlog::level::warn, spdlog::level::err};
  logger().set_level(map[static_cast<int>(level)]);
}

void set_rank(int rank) {
  logger().set_pattern("[%Y-%m-%d %H:%M:%S] [%^%l%$] [rank " + std::to_string(rank) + "] %v");
}

void debug(const std::string& msg) { logger().debug(msg); }
void info(const std::string& msg) { logger().info(msg); }
void warn(const std::string& msg) { logger().warn(msg); }
void error(const std::string& msg) { logger().error(msg); }

}  // namespace bertforge::log
