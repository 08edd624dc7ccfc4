// TensorBoard event files: the scalars of logs/train.jsonl and logs/eval.jsonl, also in
// run_dir/logs/tensorboard/ for `tensorboard --logdir`. Written without TensorFlow or protobuf:
// each record is TFRecord-framed (length, masked CRC-32C of the length, data, masked CRC-32C of
// the data) and holds a tensorflow.Event message encoded by hand (event.proto / summary.proto).
//
// Like the .jsonl logs, the folder holds exactly the run's points: every start rewrites the points
// already there into one new file, keeping only the steps up to the one the run continues from
// (none for a fresh run), then appends. So a resumed run, even from an older checkpoint, shows one
// curve equal to train.jsonl in any TensorBoard version, without relying on its purge rules.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "fs/fs.h"

namespace bertforge {

// One tensorflow.Event as bertforge writes it: scalars, or a SessionLog START.
struct TensorBoardEvent {
  double wall_time = 0;
  int64_t step = 0;
  bool start = false;                                 // SessionLog { status: START }
  std::vector<std::pair<std::string, float>> values;  // Summary.Value { tag, simple_value }
};

// The events of an event file, in order, up to the first damaged or truncated record (a crash
// mid-write); the file-version header is not returned. Throws InputError when unreadable.
std::vector<TensorBoardEvent> read_tensorboard_events(const std::string& path);

class TensorBoardLog {
 public:
  TensorBoardLog() = default;
  // Rewrites `dir` for a run that continues after `resumed_from_step` (-1: a fresh run), then,
  // when `enabled`, keeps the new file open for scalars(). With `enabled` false it only drops the
  // points of abandoned steps. An old event file that cannot be read is a warning (the run goes on
  // without TensorBoard); a write that fails (a full disk) throws RuntimeError, like the .jsonl
  // logs.
  TensorBoardLog(const std::string& dir, int64_t resumed_from_step, bool enabled);
  // One scalar "<prefix>/<field>" per numeric field of `fields` other than "step". A failed write
  // throws RuntimeError naming the event file and the cause (no torn record is left).
  void scalars(const std::string& prefix, int64_t step, const nlohmann::json& fields);
  bool is_open() const { return out_.is_open(); }
  const std::string& path() const { return out_.path(); }

 private:
  fs::AppendFile out_;
};

}  // namespace bertforge
