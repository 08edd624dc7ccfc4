// The tokenizer stage: trains a tokenizer on the corpus (SentencePiece unigram/BPE or WordPiece),
// or adopts tokenizer.model (SentencePiece, vocab.txt or tokenizer.json, grown by
// tokenizer.add_tokens), into <run_dir>/tokenizer/ with a checksum file. Skips the work when the
// output is complete and matches the inputs.
#pragma once

#include <cstdint>
#include <string>

#include "config/config.h"

namespace bertforge {

// What the stage reads, and nothing else: the tokenizer section, the corpus (data.train_files or
// data.sources, data.format, data.text_field, data.invalid_utf8), the run directory it writes into
// and the seed of SentencePiece's sentence sampling.
struct TokenizerJob {
  TokenizerConfig tokenizer;
  DataConfig data;
  std::string run_dir;
  uint64_t seed = 42;
  // The job of `config` (its tokenizer and data sections, run_dir and seed).
  static TokenizerJob of(const Config& config) {
    return {config.tokenizer, config.data, config.run_dir, config.seed};
  }
};

// Returns true when it did work, false when the output was up to date.
bool run_tokenizer_stage(const TokenizerJob& job);

}  // namespace bertforge
