#include "logs/jsonl_log.h"

#include <sstream>

#include "errors/errors.h"
#include "fs/fs.h"

namespace bertforge {

JsonlLog::JsonlLog(const std::string& path, int64_t keep_until_step) {
  fs::make_dirs(fs::parent(path));
  std::string kept;
  if (keep_until_step >= 0 && fs::exists(path)) {
    std::istringstream in(fs::read_file(path));
    std::string line;
    while (std::getline(in, line)) {
      if (line.empty()) continue;
      try {
        auto j = nlohmann::json::parse(line);
        if (j.value("step", int64_t{0}) <= keep_until_step) kept += line + "\n";
      } catch (const nlohmann::json::exception&) {
        // A line torn by a crash mid-write: drop it.
      }
    }
  }
  fs::write_file_atomic(path, kept);
  out_ = fs::AppendFile(path);
}

void JsonlLog::append(const nlohmann::json& line) { out_.append(line.dump() + "\n"); }

}  // namespace bertforge
