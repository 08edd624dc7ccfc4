// TrainState: where a run stands, everything beyond the weights and the optimizer that a resumed
// run needs to continue exactly (llm.c's "data cursor"): the step, the loader's position, metric
// windows, elapsed time, the best validation loss. It serialises itself; a checkpoint
// (checkpoint/checkpoint.h) stores that JSON in its state.json beside its own keys.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>

#include "data/loader.h"
#include "train/early_stopping.h"
#include "train/guard.h"

namespace bertforge {

struct CheckpointInfo;

struct TrainState {
  int64_t step = 0;         // optimizer steps done
  LoaderPosition loader;    // where the training data continues
  double elapsed_sec = 0;   // wall time of the run so far (across resumes)
  int64_t tokens_seen = 0;  // real (non-padding) tokens consumed
  nlohmann::json source_tokens = nlohmann::json::object();  // data.sources: name -> tokens seen
  int skipped_steps = 0;                                    // non-finite steps skipped so far
  nlohmann::json window = nlohmann::json::object();         // metric sums since the last log line
  nlohmann::json last_metrics = nlohmann::json::object();   // last logged train metrics
  nlohmann::json init_from;       // {path, checksum, step} of a continuation's starting model
  bool nsp_head_trained = false;  // the NSP head was trained, in this run or one it continues
  BestLoss best;                  // best validation loss and early-stopping count
  GuardState guard;               // the over-specialisation guard's reference (train.guard_set)
  int world_size = 0;  // ranks of the run that wrote it (0: a checkpoint from before the key)

  // The keys state.json holds for it: step, loader {epoch, step}, elapsed_sec, tokens_seen,
  // source_tokens, skipped_steps, window, metrics, init_from, nsp_head_trained, best, guard,
  // world_size.
  nlohmann::json to_json() const;
  // Reads them back. A key older checkpoints lack takes its default (nsp_head_trained: `nsp`, the
  // data.nsp of the run). Throws std::invalid_argument or nlohmann::json::exception.
  static TrainState from_json(const nlohmann::json& j, bool nsp);
  // The state of a checkpoint read by read_checkpoint; an InputError names its directory.
  static TrainState of(const CheckpointInfo& checkpoint);
};

}  // namespace bertforge
