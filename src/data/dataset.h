// A split (train or valid) of the prepared data: the shards listed in the manifest, with
// documents numbered globally across shards.
#pragma once

#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

#include "data/shard.h"
#include "run/run_layout.h"

namespace bertforge {

// <run_dir>/data/manifest.json (data_dir: run/run_layout.h).
std::string manifest_path(const std::string& run_dir);

// The documents of one named source (data.sources) in a split: global documents [begin, end).
struct SourceRange {
  std::string name;
  uint64_t begin = 0, end = 0;
};

class Dataset {
 public:
  // Opens split "train" or "valid" of the manifest in `data_dir`. Verifies that every shard exists
  // with the recorded size and, when `expect_tokenizer_checksum` is non-empty, that the data was
  // made with that tokenizer. Throws InputError (naming the file) otherwise.
  static Dataset open(const std::string& data_dir, const std::string& split,
                      const std::string& expect_tokenizer_checksum = "");
  // Opens a list of shard files directly (tests, `evaluate --data`).
  static Dataset from_shards(const std::vector<std::string>& paths,
                             const std::string& expect_tokenizer_checksum = "");

  uint64_t num_docs() const { return doc_offsets_.back(); }
  uint64_t num_tokens() const { return num_tokens_; }
  uint64_t num_sentences() const { return num_sentences_; }
  uint32_t vocab_size() const { return vocab_size_; }
  // Number of sentences of global document d.
  uint64_t doc_num_sentences(uint64_t d) const;
  // Sentence j (0-based, within the document) of global document d.
  TokenSpan sentence(uint64_t d, uint64_t j) const;
  const std::string& tokenizer_checksum() const { return tokenizer_checksum_; }
  // Named sources, in the manifest's order, with their documents (empty without data.sources; a
  // source without documents in this split has an empty range).
  const std::vector<SourceRange>& sources() const { return sources_; }

 private:
  void set_sources(const nlohmann::json& manifest, const std::string& split,
                   const std::string& mpath);

  std::vector<ShardReader> shards_;
  std::vector<uint64_t> doc_offsets_{0};  // global doc index where each shard starts (+ total)
  uint64_t num_tokens_ = 0, num_sentences_ = 0;
  uint32_t vocab_size_ = 0;
  std::string tokenizer_checksum_;
  std::vector<SourceRange> sources_;
};

}  // namespace bertforge
