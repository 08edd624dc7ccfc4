// The logs of a training run, written by the main rank: logs/train.jsonl, logs/eval.jsonl and
// the same scalars as TensorBoard events (NSP curves only when NSP is trained). Torch-free.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "logs/jsonl_log.h"
#include "logs/tensorboard.h"

namespace bertforge {

class RunLogs {
 public:
  RunLogs() = default;  // writes nothing: what the other ranks hold
  // Opens the logs of `run_dir`; a run resumed at `resumed_from_step` (-1: fresh) first drops the
  // lines and points of later steps. `tensorboard`: train.tensorboard; `nsp`: data.nsp.
  RunLogs(const std::string& run_dir, int64_t resumed_from_step, bool tensorboard, bool nsp);
  void train(int64_t step, const nlohmann::json& line);
  // `set`: a named validation set (data.valid_sets): its TensorBoard tags are eval/<set>/<field>.
  void eval(int64_t step, const nlohmann::json& metrics, const std::string& set = "");

 private:
  void to_tensorboard(const std::string& prefix, int64_t step, nlohmann::json fields);
  bool open_ = false, nsp_ = false;
  JsonlLog train_, eval_;
  TensorBoardLog tensorboard_;
};

}  // namespace bertforge
