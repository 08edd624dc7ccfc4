// The dynamic-masking loader: turns a Dataset into batches, masking afresh every time an example is
// served. The batch at (seed, epoch, step, rank, world) is a pure function of those and the data;
// the loader's position is two integers that a checkpoint stores.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "data/batch.h"
#include "data/mixture.h"
#include "tokenizer/specials.h"

namespace bertforge {

class Dataset;
struct DataConfig;
struct MaskingConfig;

struct LoaderPosition {
  int64_t epoch = 0;  // current epoch
  int64_t step = 0;   // batches already served by this rank in this epoch
};

struct LoaderOptions {
  uint64_t seed = 42;
  int rank = 0;
  int world_size = 1;
  int batch_size = 32;
  bool shuffle = true;                // false for evaluation: plan order, epoch pinned to 0
  int prefetch_threads = 1;           // background workers; results do not depend on this
  int vocab_size = 0;                 // random replacements: the non-special ids below this
  std::vector<uint8_t> word_start;    // per id, for masking.strategy = whole_word
  SpecialIds specials;                // the tokenizer's (Tokenizer::specials())
  std::string architecture = "bert";  // the pair and boundary layout (tokenizer/pair_template.h)
  // Named sources mixed by weight (data/mixture.h: mix_sources); empty = every example of the data
  // once per epoch. With sources, each batch counts its real tokens per source (source_tokens).
  std::vector<MixSource> mix;
};

class Loader {
 public:
  // Serves from epoch 0, step 0 and starts building batches ahead (options.prefetch_threads
  // workers, data.prefetch batches; none without either). `data` must outlive the loader. Throws
  // RuntimeError or ConfigError for a rank, world size, batch size or thread count out of range.
  Loader(const Dataset& data, const DataConfig& dcfg, const MaskingConfig& mcfg,
         LoaderOptions options);
  ~Loader();  // drops the batches built ahead, waits for those being built
  // The next batch for this rank (moves to the next epoch at the end of one). Throws RuntimeError
  // when the data cannot fill one global batch (batches_per_epoch() == 0).
  Batch next();
  LoaderPosition position() const;
  // Continues from `pos` exactly, without replaying earlier batches.
  void set_position(const LoaderPosition& pos);
  // Batches per epoch for this rank in the current epoch (the same on every rank; the last partial
  // global batch of an epoch is dropped, and a different set is dropped each epoch). In NSP mode
  // the plan, and so this number, can differ slightly from epoch to epoch.
  int64_t batches_per_epoch() const;
  // Examples in the plan of `epoch` (before splitting across ranks).
  int64_t examples_in_epoch(int64_t epoch) const;
  // The mixed sources' names (options.mix), in the order of Batch::source_tokens.
  std::vector<std::string> source_names() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace bertforge
