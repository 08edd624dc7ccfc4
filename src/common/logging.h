// Logging facade: the only place that knows about spdlog. Messages go to stderr.
#pragma once

#include <string>

namespace bertforge::log {

enum class Level { kDebug, kInfo, kWarn, kError };

void set_level(Level level);
// Prefix every line with "[rank N]" (used by distributed runs with world size > 1).
void set_rank(int rank);
void debug(const std::string& msg);
void info(const std::string& msg);
void warn(const std::string& msg);
void error(const std::string& msg);

}  // namespace bertforge::log
