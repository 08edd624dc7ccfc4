// How a training run starts, decided and checked before anything is written: fresh, resumed from
// a checkpoint of this run (--resume), or continued from a pretrained model (--init-from); the
// run's tokenizer and data, checked against that start; and the model, built and loaded.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "checkpoint/checkpoint.h"
#include "checkpoint/pretrained.h"
#include "data/context_counts.h"
#include "data/dataset.h"
#include "model/model.h"
#include "tokenizer/tokenizer.h"
#include "train/trainer.h"

namespace bertforge {

struct RunStart {
  std::optional<CheckpointInfo> resume;  // the checkpoint this run continues exactly
  std::optional<Pretrained> init;        // the model a new run starts from (--init-from)
  nlohmann::json init_record;            // {path, checksum, step}: TrainState::init_from
};

// Finds the checkpoint to resume (options.resume "auto" or a path) or loads --init-from. A fresh
// start on a run directory that holds checkpoints is refused without --overwrite (main rank).
RunStart plan_run_start(const std::string& run_dir, const TrainOptions& options, bool main_rank);

// A resumed run on another number of ranks (or with another train.batch_size): keeps the
// checkpoint's global batch (batch_size x grad_accum x ranks) by setting train.grad_accum, unless
// the config gives grad_accum itself, and moves the loader position into the new frame (the same
// examples this epoch, counted in this run's micro-batches). A ConfigError names
// train.grad_accum when no grad_accum gives the checkpoint's global batch, or when the position
// does not fall on one of this run's micro-batches. Nothing happens for a fresh start, the same
// frame, or a checkpoint that does not record its rank count.
void fit_resume_to_world(Config& cfg, RunStart& start, int world_size);

// A named validation set (data.valid_sets), prepared under data/valid_sets/<name>/.
struct NamedValidSet {
  std::string name;
  Dataset data;
};

// The run's tokenizer and data, checked to belong together and to the start.
struct RunInputs {
  Tokenizer tok;                      // the run's (run_dir/tokenizer)
  std::optional<Tokenizer> init_tok;  // --init-from's, when it differs by added tokens
  Dataset train;
  std::optional<Dataset> valid;         // absent when there is no validation split
  std::vector<NamedValidSet> sets;      // data.valid_sets, in the config's order
  std::optional<ContextCounts> counts;  // count baselines for the evaluations (with valid)
};
RunInputs open_run_inputs(const Config& cfg, const RunStart& start, bool main_rank);
// The validation set best/ and early stopping follow (train.eval_set): kDefaultValidSet for the
// unnamed split, a set's name, or "" when there is no validation data. Throws ConfigError when
// train.eval_set or train.guard_set names the unnamed split and there is none.
std::string resolve_eval_set(const Config& cfg, const RunInputs& in);

// Makes cfg.model the starting model's shape, warning for each key the config gave otherwise.
void adopt_init_shape(Config& cfg, const Pretrained& init, const std::string& init_from);

// The model on CPU: seeded initialisation, then the starting model's weights (init) or the
// checkpoint's (resume). `nsp_head_trained` is set from the start. Releases start.init.
ModelPtr build_model(const Config& cfg, RunStart& start, const RunInputs& in,
                     bool* nsp_head_trained);

}  // namespace bertforge
