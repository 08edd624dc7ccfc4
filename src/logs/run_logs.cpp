#include "logs/run_logs.h"

#include "fs/fs.h"
#include "run/run_layout.h"

namespace bertforge {

RunLogs::RunLogs(const std::string& run_dir, int64_t resumed_from_step, bool tensorboard, bool nsp)
    : open_(true),
      nsp_(nsp),
      train_(train_log_path(run_dir), resumed_from_step),
      eval_(eval_log_path(run_dir), resumed_from_step),
      tensorboard_(tensorboard_dir(run_dir), resumed_from_step, tensorboard) {}

void RunLogs::train(int64_t step, const nlohmann::json& line) {
  if (!open_) return;
  train_.append(line);
  to_tensorboard("train", step, line);
}

void RunLogs::eval(int64_t step, const nlohmann::json& metrics, const std::string& set) {
  if (!open_) return;
  eval_.append(metrics);
  to_tensorboard(set.empty() ? "eval" : "eval/" + set, step, metrics);
}

void RunLogs::to_tensorboard(const std::string& prefix, int64_t step, nlohmann::json fields) {
  if (!tensorboard_.is_open()) return;
  if (!nsp_)
    for (const char* k : {"nsp_loss", "nsp_accuracy", "nsp_pairs"}) fields.erase(k);
  tensorboard_.scalars(prefix, step, fields);
}

}  // namespace bertforge
