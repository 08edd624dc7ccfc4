// The prepare stage: encodes the corpus into train/valid shards under <run_dir>/data/.
#pragma once

#include <cstdint>
#include <string>

namespace bertforge {

struct Config;

struct PrepareSummary {
  bool skipped = false;  // output was complete and matched the inputs
  uint64_t documents = 0, sentences = 0, tokens = 0, unknown_tokens = 0;
  uint64_t train_documents = 0, valid_documents = 0;
  double seconds = 0;
};

// Reads data.train_files (and data.valid_files), encodes with the run's tokenizer (or
// `tokenizer_model` when non-empty), writes shards and manifest.json atomically.
PrepareSummary run_prepare(const Config& config, const std::string& tokenizer_model = "");

}  // namespace bertforge
