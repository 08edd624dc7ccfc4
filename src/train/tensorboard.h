// TensorBoard event files: the scalars of logs/train.jsonl and logs/eval.jsonl, also in
// run_dir/logs/tensorboard/ for `tensorboard --logdir`. Written without TensorFlow or protobuf:
// each record is TFRecord-framed (length, masked CRC-32C of the length, data, masked CRC-32C of
// the data) and holds a tensorflow.Event message encoded by hand (event.proto / summary.proto).
//
// Each start of training writes a new file, whose first event after the version header is a
// SessionLog START at the first step it will log: TensorBoard then drops the points that older
// files hold at and after that step, so a resumed run (even from an older checkpoint) shows one
// curve, equal to train.jsonl's.
#pragma once

#include <cstdint>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

namespace bertforge {

class TensorBoardLog {
 public:
  TensorBoardLog() = default;
  // Creates a new event file in `dir`. `resumed_from_step` is the step the run continues from,
  // -1 for a fresh run (whose caller removes an earlier run's files first).
  TensorBoardLog(const std::string& dir, int64_t resumed_from_step);
  // One scalar "<prefix>/<field>" per numeric field of `fields` other than "step".
  void scalars(const std::string& prefix, int64_t step, const nlohmann::json& fields);
  bool is_open() const { return out_.is_open(); }
  const std::string& path() const { return path_; }

 private:
  void write_record(const std::string& data);
  std::ofstream out_;
  std::string path_;
};

}  // namespace bertforge
