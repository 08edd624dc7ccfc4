// Append-only JSON Lines log (logs/train.jsonl, logs/eval.jsonl). On resume the lines written after
// the checkpoint's step are dropped first, so a resumed run's log equals an uninterrupted one's.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "fs/fs.h"

namespace bertforge {

class JsonlLog {
 public:
  JsonlLog() = default;
  // Opens `path` for appending. When keep_until_step >= 0, lines whose "step" is greater are
  // removed first (atomically); when it is -1 the file is started afresh.
  JsonlLog(const std::string& path, int64_t keep_until_step);
  // Appends one line; a failed write (a full disk) throws RuntimeError naming the file and the
  // cause, and leaves no torn line.
  void append(const nlohmann::json& line);

 private:
  fs::AppendFile out_;
};

}  // namespace bertforge
