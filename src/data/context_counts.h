// Count baselines for masked-token prediction: what counting the training shards can do, so that a
// run shows whether its model uses context or only token frequencies.
//
// From the train split of a prepared data set it counts n(c) (unigrams) and n(a, b) (adjacent
// pairs inside a document; a sentence's first token also follows, and its last token also
// precedes, a boundary symbol that stands for [CLS]/[SEP]). Three predictors use the counts:
//   unigram        argmax_c n(c)
//   left           argmax_c n(prev, c)                          (unknown prev: unigram)
//   bidirectional  argmax_c n(prev, c) n(c, next) / n(c)        (no such c: left, then unigram)
// Torch-free; the counts are built once per data set, with bounded memory (see kMaxPairs), and
// cached in <data_dir>/context_counts.cache, keyed by the SHA-256 of the manifest, so that a new
// prepare invalidates them.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace bertforge {

class Dataset;

constexpr const char* kContextCountsName = "context_counts.cache";

class ContextCounts {
 public:
  // Token id that stands for "unknown" (a masked neighbour, or none).
  static constexpr int32_t kUnknown = -1;
  // Distinct pairs kept: past this, the rarest pairs are dropped (counts stay exact for the rest).
  static constexpr size_t kMaxPairs = size_t{1} << 23;

  // Counts `data` (streaming over its documents; memory bounded by kMaxPairs).
  static ContextCounts build(const Dataset& data, size_t max_pairs = kMaxPairs);
  // The counts of <data_dir>'s train split: read from the cache when it matches the manifest,
  // else built (and, when `write_cache`, saved; a failed save only warns). Throws InputError
  // when the data directory has no readable train split or (with a non-empty
  // `expect_tokenizer_checksum`) was made with another tokenizer.
  static ContextCounts load_or_build(const std::string& data_dir, bool write_cache,
                                     const std::string& expect_tokenizer_checksum = "");
  // Cache file I/O. read() throws InputError naming the file when it is damaged or truncated.
  void write(const std::string& path, const std::string& fingerprint) const;
  static ContextCounts read(const std::string& path, std::string* fingerprint);

  // The boundary symbol's id (= vocab size): pass it for a [CLS]/[SEP] neighbour.
  int32_t boundary() const { return static_cast<int32_t>(vocab_size_); }
  uint32_t vocab_size() const { return vocab_size_; }
  uint64_t total_tokens() const { return total_; }
  size_t num_pairs() const { return keys_.size(); }
  uint64_t unigram(int32_t c) const;
  uint64_t pair(int32_t a, int32_t b) const;  // n(a, b); either may be boundary()

  int32_t predict_unigram() const { return best_unigram_; }
  int32_t predict_left(int32_t prev) const;
  int32_t predict_bidirectional(int32_t prev, int32_t next) const;

 private:
  void finalize();  // sorts nothing: derives best_unigram_ and best_left_ from the counts
  uint32_t vocab_size_ = 0;
  uint64_t total_ = 0;
  std::vector<uint64_t> unigrams_;  // (V)
  std::vector<uint64_t> keys_;      // sorted a * (V + 1) + b
  std::vector<uint32_t> counts_;    // n(a, b) per key
  int32_t best_unigram_ = 0;
  std::vector<int32_t> best_left_;  // (V + 1) argmax_c n(prev, c), or -1 when prev has none
};

}  // namespace bertforge
