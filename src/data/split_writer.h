// Prepare's output stream: documents of both splits accumulated into numbered shard files
// (<dir>/train-00000.bin, <dir>/valid-00000.bin, ...), each written when it reaches its size.
#pragma once

#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "data/shard.h"
#include "data/split_plan.h"

namespace bertforge {

class SplitWriter {
 public:
  // Shards of about `shard_tokens` tokens for a tokenizer of `vocab` ids and `checksum`.
  SplitWriter(const std::string& dir, uint32_t vocab, const std::string& checksum,
              int64_t shard_tokens);

  // Named sources: ends the open document, writes the partly filled shards, and labels the shards
  // written from now on with `name` (their manifest entry's "source"), so that no shard mixes
  // sources and each source's shards are consecutive.
  void begin_source(const std::string& name);
  // Ends the open document (if any) and opens one in split `s`.
  void begin_document(Split s);
  // Adds a sentence to the open document (empty ones are skipped). A document longer than a shard
  // is continued in the next shard, so memory stays bounded.
  void add_sentence(const int* ids, size_t n);
  void end_document();
  // Ends the open document and writes the partly filled shards.
  void finish();

  // The manifest's "splits"."train" or ."valid" object: counts and the list of shards.
  nlohmann::json split_json(Split s) const;
  // File names (not paths) of the shards written so far.
  const std::vector<std::string>& written() const { return written_; }
  uint64_t documents(Split s) const { return documents_[s]; }  // documents with tokens
  uint64_t sentences(Split s) const { return sentences_[s]; }
  uint64_t tokens(Split s) const { return tokens_[s]; }
  // How often a document was continued in the next shard.
  uint64_t split_documents() const { return split_documents_; }

 private:
  void flush(Split s);

  std::string dir_;
  uint64_t shard_tokens_;
  ShardWriter writers_[2];
  Split cur_ = kTrain;
  bool open_ = false, has_tokens_ = false;
  nlohmann::json shards_[2] = {nlohmann::json::array(), nlohmann::json::array()};
  std::vector<std::string> written_;
  uint64_t documents_[2] = {0, 0}, shard_documents_[2] = {0, 0}, sentences_[2] = {0, 0},
           tokens_[2] = {0, 0};
  uint64_t split_documents_ = 0;
  std::string source_;  // "" = unnamed: no "source" in the shard entries
};

}  // namespace bertforge
