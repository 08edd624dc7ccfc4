// Where everything lives in a run directory and in a checkpoint directory: the one source of these
// paths. Users' scripts rely on them (../shared/CONTRACT.md; README "Run directory").
//
//   RUN_DIR/config.json            the resolved config of the last stage run
//   RUN_DIR/.lock                  the one writer's advisory lock (RunLock)
//   RUN_DIR/tokenizer/             spm.model, wordpiece.json or hf_tokenizer.json (an adopted
//                                  HuggingFace tokenizer.json), tokenizer.json (its record)
//   RUN_DIR/data/                  manifest.json, train/ and valid/ shards
//   RUN_DIR/data/valid_sets/NAME/  a named validation set (data.valid_sets): manifest.json and
//                                  valid shards (re-made with data/ itself)
//   RUN_DIR/checkpoints/step-N/    a checkpoint (files below); checkpoints/latest names the newest
//   RUN_DIR/final/, RUN_DIR/best/  the final model, the lowest validation loss (train.keep_best)
//   RUN_DIR/logs/                  train.jsonl, eval.jsonl, tensorboard/
#pragma once

#include <cstdint>
#include <string>

namespace bertforge {

// In a run directory.
std::string run_config_path(const std::string& run_dir);
std::string run_lock_path(const std::string& run_dir);
std::string tokenizer_dir(const std::string& run_dir);
// The run's tokenizer file: tokenizer/hf_tokenizer.json or tokenizer/wordpiece.json when present,
// else tokenizer/spm.model.
std::string tokenizer_model_path(const std::string& run_dir);
std::string tokenizer_file_path(const std::string& run_dir, bool wordpiece);
std::string tokenizer_hf_path(const std::string& run_dir);    // tokenizer/hf_tokenizer.json
std::string tokenizer_info_path(const std::string& run_dir);  // tokenizer/tokenizer.json
std::string data_dir(const std::string& run_dir);
std::string valid_set_dir(const std::string& run_dir, const std::string& name);
std::string checkpoints_dir(const std::string& run_dir);
constexpr const char* kStepPrefix = "step-";
std::string step_checkpoint_name(int64_t step);  // step-N
std::string final_dir(const std::string& run_dir);
std::string best_dir(const std::string& run_dir);
std::string logs_dir(const std::string& run_dir);
std::string train_log_path(const std::string& run_dir);  // logs/train.jsonl
std::string eval_log_path(const std::string& run_dir);   // logs/eval.jsonl
std::string tensorboard_dir(const std::string& run_dir);

// In a checkpoint directory (checkpoints/step-N, final/, best/).
namespace ckpt_file {
constexpr const char* kModel = "model.pt";
constexpr const char* kModelSafetensors = "model.safetensors";
constexpr const char* kOptimizer = "optimizer.pt";
constexpr const char* kTokenizer = "tokenizer.model";
constexpr const char* kConfig = "config.json";
constexpr const char* kState = "state.json";
constexpr const char* kDone = "DONE";
}  // namespace ckpt_file
// checkpoints/latest: the name of the newest step checkpoint (for users' scripts; never read).
constexpr const char* kLatestFile = "latest";

}  // namespace bertforge
