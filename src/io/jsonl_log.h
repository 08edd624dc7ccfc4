// Append-only JSON Lines log (logs/train.jsonl, logs/eval.jsonl). On resume the lines written after
// the checkpoint's step are dropped first, so a resumed run's log equals an uninterrupted one's.
#pragma once

#include <cstdint>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

namespace bertforge {

class JsonlLog {
 public:
  JsonlLog() = default;
  // Opens `path` for appending. When keep_until_step >= 0, lines whose "step" is greater are
  // removed first (atomically); when it is -1 the file is started afresh.
  JsonlLog(const std::string& path, int64_t keep_until_step);
  void append(const nlohmann::json& line);

 private:
  std::ofstream out_;
};

}  // namespace bertforge
