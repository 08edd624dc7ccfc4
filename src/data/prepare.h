// The prepare stage: encodes the corpus into train/valid shards under <run_dir>/data/.
#pragma once

#include <cstdint>
#include <string>
#include <utility>

#include "config/config.h"

namespace bertforge {

// What the stage reads, and nothing else: the data section, the run directory it writes into, the
// seed of the train/valid split, and the tokenizer to encode with.
struct PrepareJob {
  DataConfig data;
  std::string run_dir;
  uint64_t seed = 42;
  std::string tokenizer_model;  // "" = the run's (<run_dir>/tokenizer)
  // The job of `config` (its data section, run_dir and seed).
  static PrepareJob of(const Config& config, std::string tokenizer_model = "") {
    return {config.data, config.run_dir, config.seed, std::move(tokenizer_model)};
  }
};

struct PrepareSummary {
  bool skipped = false;  // output was complete and matched the inputs
  uint64_t documents = 0, sentences = 0, tokens = 0, unknown_tokens = 0;
  uint64_t train_documents = 0, valid_documents = 0;
  double seconds = 0;
};

// Reads data.train_files (and data.valid_files), encodes with the run's tokenizer (or
// job.tokenizer_model when non-empty), writes shards and manifest.json atomically. Then each of
// data.valid_sets into valid_set_dir (run/run_layout.h): every document in its valid split, with
// its own manifest and input stamp (re-made when its files change). Returns data/'s summary.
PrepareSummary run_prepare(const PrepareJob& job);

}  // namespace bertforge
