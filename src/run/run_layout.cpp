#include "run/run_layout.h"

#include "fs/fs.h"

namespace bertforge {

std::string run_config_path(const std::string& run_dir) { return fs::join(run_dir, "config.json"); }
std::string run_lock_path(const std::string& run_dir) { return fs::join(run_dir, ".lock"); }
std::string tokenizer_dir(const std::string& run_dir) { return fs::join(run_dir, "tokenizer"); }
std::string tokenizer_file_path(const std::string& run_dir, bool wordpiece) {
  return fs::join(tokenizer_dir(run_dir), wordpiece ? "wordpiece.json" : "spm.model");
}
std::string tokenizer_hf_path(const std::string& run_dir) {
  return fs::join(tokenizer_dir(run_dir), "hf_tokenizer.json");
}
std::string tokenizer_model_path(const std::string& run_dir) {
  if (fs::exists(tokenizer_hf_path(run_dir))) return tokenizer_hf_path(run_dir);
  const std::string wordpiece = tokenizer_file_path(run_dir, true);
  return fs::exists(wordpiece) ? wordpiece : tokenizer_file_path(run_dir, false);
}
std::string tokenizer_info_path(const std::string& run_dir) {
  return fs::join(tokenizer_dir(run_dir), "tokenizer.json");
}
std::string data_dir(const std::string& run_dir) { return fs::join(run_dir, "data"); }
std::string valid_set_dir(const std::string& run_dir, const std::string& name) {
  return fs::join(fs::join(data_dir(run_dir), "valid_sets"), name);
}
std::string checkpoints_dir(const std::string& run_dir) { return fs::join(run_dir, "checkpoints"); }
std::string step_checkpoint_name(int64_t step) { return kStepPrefix + std::to_string(step); }
std::string final_dir(const std::string& run_dir) { return fs::join(run_dir, "final"); }
std::string best_dir(const std::string& run_dir) { return fs::join(run_dir, "best"); }
std::string logs_dir(const std::string& run_dir) { return fs::join(run_dir, "logs"); }
std::string train_log_path(const std::string& run_dir) {
  return fs::join(logs_dir(run_dir), "train.jsonl");
}
std::string eval_log_path(const std::string& run_dir) {
  return fs::join(logs_dir(run_dir), "eval.jsonl");
}
std::string tensorboard_dir(const std::string& run_dir) {
  return fs::join(logs_dir(run_dir), "tensorboard");
}

}  // namespace bertforge
