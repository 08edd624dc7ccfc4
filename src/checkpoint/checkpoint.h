// Checkpoints: <run_dir>/checkpoints/step-<N>/ holding everything a run needs to continue exactly.
//   model.safetensors  weights, fp32, by parameter name (older checkpoints: model.pt, still read)
//   optimizer.pt    AdamW state (absent in final/)
//   tokenizer.model the run's tokenizer file, SentencePiece or WordPiece (self-contained)
//   config.json     the resolved config
//   state.json      the run's state (train/train_state.h: step, loader position, metric windows,
//                   elapsed time, ...), and format version, model shape, tokenizer checksum,
//                   sha256 of every file above
//   DONE            written last: a directory without it is not a checkpoint
// final/ and best/ have the same layout without optimizer.pt.
// Directories are written as .tmp-step-<N>, synced, renamed; then `latest` is switched atomically.
#pragma once

#include <torch/torch.h>

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "config/config.h"
#include "model/model.h"
#include "run/run_layout.h"

namespace bertforge {

constexpr int kCheckpointFormat = 1;

struct CheckpointInfo {
  std::string dir;
  int64_t step = 0;  // optimizer steps done
  nlohmann::json
      state;  // state.json: the run's TrainState (train/train_state.h) and the keys below
  Config config;
  ModelShape shape;
  std::string tokenizer_checksum;
  std::string model_checksum;  // sha256 of the weights file
};

// Writes a checkpoint to `dir` atomically. `optimizer` may be null (final model). `state`: the
// run's own keys for state.json (TrainState::to_json; "step" at least), written beside the
// checkpoint's (format_version, shape, tokenizer_checksum, files, saved_at).
void write_checkpoint(const std::string& dir, ModelPtr& model, torch::optim::Optimizer* optimizer,
                      const nlohmann::json& state, const Config& config,
                      const std::string& tokenizer_model);
// Files a checkpoint holds beside the standard ones (name, bytes), recorded with their sha256
// (fine-tuning's labels.json).
using ExtraFiles = std::vector<std::pair<std::string, std::string>>;
// Same, for any module (e.g. an encoder with a task head): its parameters by name; `shape` is its
// encoder's.
void write_checkpoint(const std::string& dir, const torch::nn::Module& model,
                      const ModelShape& shape, torch::optim::Optimizer* optimizer,
                      const nlohmann::json& state, const Config& config,
                      const std::string& tokenizer_model, const ExtraFiles& extra = {});
// Repairs what an interrupted write of final/ or best/ left in run_dir: a complete .old-<X> whose
// <X> is missing is put back; any other .old-<X> and the .tmp-<X>-* staging directories go.
void tidy_run_dir(const std::string& run_dir);
// Removes checkpoints/step-<N> with N > step: resuming from an older checkpoint abandons them (a
// later --resume auto would otherwise pick them up). Returns the removed paths.
std::vector<std::string> drop_checkpoints_after(const std::string& run_dir, int64_t step);
// Readies run_dir for a start of training (call it once every check has passed, so a refused
// start leaves the old run intact): tidy_run_dir; a fresh start (resumed_from_step -1) with
// `overwrite` removes checkpoints/ and final/; a resume drops the checkpoints after its step; best/
// goes unless it belongs to this run's path (saved at or before the resume step).
void prepare_run_dir(const std::string& run_dir, int64_t resumed_from_step, bool overwrite);
// Saves checkpoints/step-<N>, switches `latest`, prunes to keep_last (never the newest).
std::string save_step_checkpoint(const std::string& run_dir, ModelPtr& model,
                                 torch::optim::Optimizer& optimizer, const nlohmann::json& state,
                                 const Config& config, const std::string& tokenizer_model);
std::string save_step_checkpoint(const std::string& run_dir, const torch::nn::Module& model,
                                 const ModelShape& shape, torch::optim::Optimizer& optimizer,
                                 const nlohmann::json& state, const Config& config,
                                 const std::string& tokenizer_model, const ExtraFiles& extra = {});

// Reads and verifies a checkpoint directory (DONE present, checksums match). Throws InputError
// naming the directory and what is wrong.
CheckpointInfo read_checkpoint(const std::string& dir);
// Maps a user's path to a complete checkpoint and verifies it (read_checkpoint): a step-N or final/
// directory itself, a checkpoints/ directory or a run directory (their newest complete checkpoint;
// final/ counts for a run directory when it has no step checkpoints). Incomplete or corrupt newer
// ones are skipped with a warning. Throws InputError when none is found.
CheckpointInfo find_checkpoint(const std::string& path);
// The newest complete checkpoint under run_dir/checkpoints, verified, or nullopt (incomplete or
// corrupt newer ones are skipped with a warning).
std::optional<CheckpointInfo> newest_checkpoint(const std::string& run_dir);

void load_weights(const std::string& dir, ModelPtr& model);
// Every parameter of `model` from dir/model.safetensors, by name; a missing, extra or mis-shaped
// tensor is an InputError.
void load_weights(const std::string& dir, torch::nn::Module& model);
// True when `dir` is (or was being written as) a checkpoint: it holds DONE or state.json. Its
// model.safetensors and config.json do not make it a HuggingFace directory.
bool is_checkpoint_dir(const std::string& dir);
void load_optimizer(const std::string& dir, torch::optim::Optimizer& optimizer);

}  // namespace bertforge
