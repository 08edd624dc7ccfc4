// Binary token shards: the prepare stage writes them, the loader memory-maps them.
//
// Layout (little-endian), every section 8-byte aligned:
//   ShardHeader (128 bytes)
//   tokens          num_tokens x (uint16 | uint32)        token_bytes = 2 when vocab_size <= 65536
//   sentence_starts (num_sentences + 1) x uint64            token offset of each sentence
//   doc_starts      (num_docs + 1) x uint64                 sentence offset of each document
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace bertforge {

constexpr char kShardMagic[8] = {'B', 'F', 'S', 'H', 'A', 'R', 'D', '1'};
constexpr uint32_t kShardVersion = 1;
// The largest vocabulary a shard (or a manifest) may claim: readers allocate tables of one row per
// id (the count baselines: 12 bytes an id), so a header's claim is bounded before they do.
constexpr uint32_t kMaxVocabSize = uint32_t{1} << 24;

struct ShardHeader {
  char magic[8];
  uint32_t version;
  uint32_t token_bytes;  // 2 or 4
  uint32_t vocab_size;
  uint32_t reserved;
  uint64_t num_tokens;
  uint64_t num_sentences;
  uint64_t num_docs;
  char tokenizer_checksum[64];  // hex SHA-256 of the tokenizer model (not NUL-terminated)
  uint8_t padding[16];
};
static_assert(sizeof(ShardHeader) == 128, "shard header must be 128 bytes");

// A view of one sentence's tokens (uint16 or uint32 storage).
struct TokenSpan {
  const void* data = nullptr;
  uint32_t size = 0;
  bool wide = false;  // uint32 storage
  int32_t operator[](size_t i) const {
    return wide ? static_cast<int32_t>(static_cast<const uint32_t*>(data)[i])
                : static_cast<int32_t>(static_cast<const uint16_t*>(data)[i]);
  }
};

// Accumulates documents in memory and writes one shard file atomically (temp, fsync, rename).
class ShardWriter {
 public:
  ShardWriter(uint32_t vocab_size, std::string tokenizer_checksum);
  // A document is a list of sentences; each sentence a list of ids. Empty sentences are skipped;
  // a document without sentences is skipped.
  void add_document(const std::vector<std::vector<int>>& sentences);
  // Streaming form of add_document: sentences of the open document, then end_document(). Lets a
  // document be added without holding all of it as nested vectors. Ids must be < vocab_size.
  void add_sentence(const int* ids, size_t n);
  void end_document();
  // Tokens of the document that is open (added sentences not yet ended).
  uint64_t open_doc_tokens() const { return tokens_.size() - open_doc_first_token_; }
  uint64_t num_tokens() const { return tokens_.size(); }
  uint64_t num_sentences() const { return sentence_starts_.size() - 1; }
  uint64_t num_docs() const { return doc_starts_.size() - 1; }
  // Writes the file and returns its SHA-256; resets the writer to empty.
  std::string write(const std::string& path);

 private:
  uint32_t vocab_size_;
  std::string checksum_;
  std::vector<uint32_t> tokens_;
  std::vector<uint64_t> sentence_starts_{0};
  std::vector<uint64_t> doc_starts_{0};
  uint64_t open_doc_first_token_ = 0;
};

// Memory-maps a shard read-only; validates magic, version, sizes and (optionally) the checksum.
class ShardReader {
 public:
  // Throws InputError naming the file when it is truncated, corrupt or for another tokenizer.
  explicit ShardReader(const std::string& path, const std::string& expect_tokenizer_checksum = "");
  ShardReader(ShardReader&&) noexcept;
  ShardReader& operator=(ShardReader&&) noexcept;
  ShardReader(const ShardReader&) = delete;
  ~ShardReader();

  const ShardHeader& header() const { return *header_; }
  uint64_t num_docs() const { return header_->num_docs; }
  uint64_t num_sentences() const { return header_->num_sentences; }
  uint64_t num_tokens() const { return header_->num_tokens; }
  // Sentence index range [first, last) of document d.
  uint64_t doc_first_sentence(uint64_t d) const { return doc_starts_[d]; }
  uint64_t doc_end_sentence(uint64_t d) const { return doc_starts_[d + 1]; }
  TokenSpan sentence(uint64_t s) const;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  void* map_ = nullptr;
  size_t map_size_ = 0;
  const ShardHeader* header_ = nullptr;
  const uint8_t* tokens_ = nullptr;
  const uint64_t* sentence_starts_ = nullptr;
  const uint64_t* doc_starts_ = nullptr;
};

}  // namespace bertforge
