#include "data/shard.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>

#include "errors/errors.h"
#include "fs/checksum.h"
#include "fs/fs.h"

namespace bertforge {
namespace {

uint64_t align8(uint64_t n) { return (n + 7) & ~uint64_t{7}; }

// The largest of `n` token ids stored as T (0 when n is 0).
template <class T>
uint32_t max_id(const uint8_t* data, uint64_t n) {
  const T* p = reinterpret_cast<const T*>(data);
  T top = 0;
  for (uint64_t i = 0; i < n; ++i) top = p[i] > top ? p[i] : top;
  return top;
}

// Writes to a file descriptor and feeds the same bytes to a running SHA-256. Errors name `shown`
// (the file being replaced), not the temporary `path` written.
class HashingFile {
 public:
  HashingFile(const std::string& path, const std::string& shown) : path_(shown) {
    fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd_ < 0) throw RuntimeError("cannot write " + shown + ": " + std::strerror(errno));
  }
  ~HashingFile() {
    if (fd_ >= 0) ::close(fd_);
  }
  void write(const void* data, size_t n) {
    sha_.update(data, n);
    const char* p = static_cast<const char*>(data);
    while (n > 0) {
      ssize_t w = ::write(fd_, p, n);
      if (w < 0) {
        if (errno == EINTR) continue;
        throw RuntimeError("cannot write " + path_ + ": " + std::strerror(errno));
      }
      p += w;
      n -= static_cast<size_t>(w);
    }
  }
  // fsync + close; returns the digest.
  std::string finish() {
    // A full disk or an I/O error may surface only when the data is flushed.
    const bool ok = ::fsync(fd_) == 0;
    const int e = errno;
    const bool closed = ::close(fd_) == 0;
    fd_ = -1;
    if (!ok || !closed)
      throw RuntimeError("cannot write " + path_ + ": " + std::strerror(ok ? errno : e));
    return sha_.hex_digest();
  }

 private:
  std::string path_;
  int fd_ = -1;
  Sha256 sha_;
};

}  // namespace

ShardWriter::ShardWriter(uint32_t vocab_size, std::string tokenizer_checksum)
    : vocab_size_(vocab_size), checksum_(std::move(tokenizer_checksum)) {}

void ShardWriter::add_sentence(const int* ids, size_t n) {
  if (n == 0) return;
  for (size_t i = 0; i < n; ++i) {
    if (ids[i] < 0 || static_cast<uint32_t>(ids[i]) >= vocab_size_)
      throw RuntimeError("token id " + std::to_string(ids[i]) + " outside the vocabulary of " +
                         std::to_string(vocab_size_));
  }
  tokens_.insert(tokens_.end(), ids, ids + n);
  sentence_starts_.push_back(tokens_.size());
}

void ShardWriter::end_document() {
  if (sentence_starts_.size() - 1 > doc_starts_.back())
    doc_starts_.push_back(sentence_starts_.size() - 1);
  open_doc_first_token_ = tokens_.size();
}

void ShardWriter::add_document(const std::vector<std::vector<int>>& sentences) {
  for (const auto& s : sentences) add_sentence(s.data(), s.size());
  end_document();
}

std::string ShardWriter::write(const std::string& path) {
  end_document();
  ShardHeader h;
  std::memset(&h, 0, sizeof h);
  std::memcpy(h.magic, kShardMagic, sizeof h.magic);
  h.version = kShardVersion;
  h.token_bytes = vocab_size_ <= 65536 ? 2 : 4;
  h.vocab_size = vocab_size_;
  h.num_tokens = tokens_.size();
  h.num_sentences = sentence_starts_.size() - 1;
  h.num_docs = doc_starts_.size() - 1;
  const size_t n = std::min(checksum_.size(), sizeof h.tokenizer_checksum);
  std::memcpy(h.tokenizer_checksum, checksum_.data(), n);

  const std::string tmp = fs::temp_sibling(path);
  std::string digest;
  try {
    HashingFile out(tmp, path);
    out.write(&h, sizeof h);
    if (h.token_bytes == 4) {
      out.write(tokens_.data(), tokens_.size() * 4);
    } else {
      std::vector<uint16_t> block(1 << 16);
      for (size_t i = 0; i < tokens_.size(); i += block.size()) {
        size_t m = std::min(block.size(), tokens_.size() - i);
        for (size_t k = 0; k < m; ++k) block[k] = static_cast<uint16_t>(tokens_[i + k]);
        out.write(block.data(), m * 2);
      }
    }
    const uint64_t token_bytes = tokens_.size() * h.token_bytes;
    const uint64_t zeros = 0;
    out.write(&zeros, align8(token_bytes) - token_bytes);
    out.write(sentence_starts_.data(), sentence_starts_.size() * sizeof(uint64_t));
    out.write(doc_starts_.data(), doc_starts_.size() * sizeof(uint64_t));
    digest = out.finish();
    fs::rename_sync(tmp, path);
  } catch (...) {
    ::unlink(tmp.c_str());
    throw;
  }
  tokens_.clear();
  sentence_starts_.assign(1, 0);
  doc_starts_.assign(1, 0);
  open_doc_first_token_ = 0;
  return digest;
}

ShardReader::ShardReader(const std::string& path, const std::string& expect_tokenizer_checksum)
    : path_(path) {
  int fd = ::open(path.c_str(), O_RDONLY);
  if (fd < 0) throw InputError(path, 0, std::string("cannot open shard: ") + std::strerror(errno));
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    ::close(fd);
    throw InputError(path, 0, std::string("cannot stat shard: ") + std::strerror(errno));
  }
  const uint64_t size = static_cast<uint64_t>(st.st_size);
  if (size < sizeof(ShardHeader)) {
    ::close(fd);
    throw InputError(path, 0,
                     "truncated shard (" + std::to_string(size) + " bytes, the header alone is " +
                         std::to_string(sizeof(ShardHeader)) + ")",
                     "re-run `bertforge prepare`");
  }
  void* map = ::mmap(nullptr, size, PROT_READ, MAP_SHARED, fd, 0);
  ::close(fd);
  if (map == MAP_FAILED)
    throw InputError(path, 0, std::string("cannot map shard: ") + std::strerror(errno));
  map_ = map;
  map_size_ = size;
  auto fail = [&](const std::string& what) {
    ::munmap(map_, map_size_);
    map_ = nullptr;
    throw InputError(path, 0, what, "re-run `bertforge prepare`");
  };
  header_ = static_cast<const ShardHeader*>(map_);
  const ShardHeader& h = *header_;
  if (std::memcmp(h.magic, kShardMagic, sizeof h.magic) != 0)
    fail("not a bertforge shard (bad magic)");
  if (h.version != kShardVersion)
    fail("unsupported shard format version " + std::to_string(h.version) + " (expected " +
         std::to_string(kShardVersion) + ")");
  if (h.token_bytes != 2 && h.token_bytes != 4)
    fail("corrupt header: token size " + std::to_string(h.token_bytes));
  if ((h.token_bytes == 2) != (h.vocab_size <= 65536))
    fail("corrupt header: token size does not match vocab size");
  if (h.vocab_size == 0 || h.vocab_size > kMaxVocabSize)
    fail("corrupt header: vocab size " + std::to_string(h.vocab_size));
  // Sizes, guarded against overflow by bounding each count by the file size first.
  if (h.num_tokens > size / h.token_bytes || h.num_sentences >= size / 8 || h.num_docs >= size / 8)
    fail("truncated shard (" + std::to_string(size) + " bytes for the counts in its header)");
  const uint64_t tok_bytes = align8(h.num_tokens * h.token_bytes);
  const uint64_t expect =
      sizeof(ShardHeader) + tok_bytes + (h.num_sentences + 1) * 8 + (h.num_docs + 1) * 8;
  if (size < expect)
    fail("truncated shard (" + std::to_string(size) + " bytes, expected " + std::to_string(expect) +
         ")");
  if (size > expect)
    fail("corrupt shard (" + std::to_string(size) + " bytes, expected " + std::to_string(expect) +
         ")");
  if (!expect_tokenizer_checksum.empty() &&
      std::string(h.tokenizer_checksum, sizeof h.tokenizer_checksum) != expect_tokenizer_checksum)
    fail("made with another tokenizer (checksum " + std::string(h.tokenizer_checksum, 12) +
         "..., expected " + expect_tokenizer_checksum.substr(0, 12) + "...)");
  const uint8_t* base = static_cast<const uint8_t*>(map_);
  tokens_ = base + sizeof(ShardHeader);
  sentence_starts_ = reinterpret_cast<const uint64_t*>(tokens_ + tok_bytes);
  doc_starts_ = sentence_starts_ + h.num_sentences + 1;
  // Offsets: start at 0, never decrease, end at the counts.
  if (sentence_starts_[0] != 0 || sentence_starts_[h.num_sentences] != h.num_tokens ||
      doc_starts_[0] != 0 || doc_starts_[h.num_docs] != h.num_sentences)
    fail("corrupt shard (offset tables do not match the header)");
  for (uint64_t i = 0; i < h.num_sentences; ++i)
    if (sentence_starts_[i + 1] < sentence_starts_[i] ||
        sentence_starts_[i + 1] - sentence_starts_[i] > UINT32_MAX)
      fail("corrupt shard (sentence offsets)");
  for (uint64_t i = 0; i < h.num_docs; ++i)
    if (doc_starts_[i + 1] < doc_starts_[i]) fail("corrupt shard (document offsets)");
  // Every id inside the vocabulary: readers index tables of vocab_size rows with them.
  const uint32_t top = h.token_bytes == 2 ? max_id<uint16_t>(tokens_, h.num_tokens)
                                          : max_id<uint32_t>(tokens_, h.num_tokens);
  if (h.num_tokens > 0 && top >= h.vocab_size)
    fail("corrupt shard (token id " + std::to_string(top) + " outside the vocabulary of " +
         std::to_string(h.vocab_size) + ")");
}

ShardReader::ShardReader(ShardReader&& o) noexcept { *this = std::move(o); }

ShardReader& ShardReader::operator=(ShardReader&& o) noexcept {
  if (this != &o) {
    if (map_) ::munmap(map_, map_size_);
    path_ = std::move(o.path_);
    map_ = o.map_;
    map_size_ = o.map_size_;
    header_ = o.header_;
    tokens_ = o.tokens_;
    sentence_starts_ = o.sentence_starts_;
    doc_starts_ = o.doc_starts_;
    o.map_ = nullptr;
    o.map_size_ = 0;
    o.header_ = nullptr;
  }
  return *this;
}

ShardReader::~ShardReader() {
  if (map_) ::munmap(map_, map_size_);
}

TokenSpan ShardReader::sentence(uint64_t s) const {
  TokenSpan span;
  const uint64_t b = sentence_starts_[s], e = sentence_starts_[s + 1];
  span.wide = header_->token_bytes == 4;
  span.data = tokens_ + b * header_->token_bytes;
  span.size = static_cast<uint32_t>(e - b);
  return span;
}

}  // namespace bertforge
