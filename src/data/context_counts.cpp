#include "data/context_counts.h"

#include <algorithm>
#include <chrono>
#include <cstring>

#include "console/logging.h"
#include "data/dataset.h"
#include "data/manifest.h"
#include "errors/errors.h"
#include "fs/checksum.h"
#include "fs/fs.h"

namespace bertforge {
namespace {

constexpr char kMagic[8] = {'B', 'F', 'C', 'T', 'X', 'C', 'T', '1'};

struct FileHeader {
  char magic[8];
  uint32_t version;
  uint32_t vocab_size;
  uint64_t total_tokens;
  uint64_t num_pairs;
  char fingerprint[64];  // hex SHA-256 of the manifest the counts were made from
};
static_assert(sizeof(FileHeader) == 96, "context counts header must be 96 bytes");

// Sorted (key, count) runs: `keys` sorted with repeats -> unique keys with their counts.
void run_length(std::vector<uint64_t>& keys, std::vector<uint64_t>* out_keys,
                std::vector<uint32_t>* out_counts) {
  std::sort(keys.begin(), keys.end());
  out_keys->clear(), out_counts->clear();
  for (size_t i = 0; i < keys.size();) {
    size_t j = i;
    while (j < keys.size() && keys[j] == keys[i]) ++j;
    out_keys->push_back(keys[i]);
    out_counts->push_back(static_cast<uint32_t>(j - i));
    i = j;
  }
  keys.clear();
}

// Merges the sorted table (keys, counts) with the sorted run (k2, c2); counts saturate at 2^32-1.
void merge(std::vector<uint64_t>& keys, std::vector<uint32_t>& counts,
           const std::vector<uint64_t>& k2, const std::vector<uint32_t>& c2) {
  std::vector<uint64_t> k;
  std::vector<uint32_t> c;
  k.reserve(keys.size() + k2.size()), c.reserve(keys.size() + k2.size());
  size_t i = 0, j = 0;
  while (i < keys.size() || j < k2.size()) {
    if (j == k2.size() || (i < keys.size() && keys[i] < k2[j])) {
      k.push_back(keys[i]), c.push_back(counts[i++]);
    } else if (i == keys.size() || k2[j] < keys[i]) {
      k.push_back(k2[j]), c.push_back(c2[j++]);
    } else {
      const uint64_t s = uint64_t{counts[i]} + c2[j];
      k.push_back(keys[i]), c.push_back(static_cast<uint32_t>(std::min<uint64_t>(s, UINT32_MAX)));
      ++i, ++j;
    }
  }
  keys.swap(k), counts.swap(c);
}

// Drops the rarest pairs until at most half of `max_pairs` remain (deterministic: by count).
void prune(std::vector<uint64_t>& keys, std::vector<uint32_t>& counts, size_t max_pairs) {
  uint32_t threshold = 1;
  while (keys.size() > max_pairs / 2) {
    size_t w = 0;
    for (size_t i = 0; i < keys.size(); ++i)
      if (counts[i] > threshold) keys[w] = keys[i], counts[w++] = counts[i];
    keys.resize(w), counts.resize(w);
    threshold *= 2;
  }
}

}  // namespace

ContextCounts ContextCounts::build(const Dataset& data, size_t max_pairs) {
  ContextCounts cc;
  cc.vocab_size_ = data.vocab_size();
  cc.unigrams_.assign(cc.vocab_size_, 0);
  const uint64_t width = uint64_t{cc.vocab_size_} + 1;
  const uint64_t boundary = cc.vocab_size_;
  const size_t buffer_cap = std::max<size_t>(1024, max_pairs);
  std::vector<uint64_t> buffer, run_keys;
  std::vector<uint32_t> run_counts;
  buffer.reserve(std::min<size_t>(buffer_cap, 1 << 20));
  auto add = [&](uint64_t a, uint64_t b) {
    buffer.push_back(a * width + b);
    if (buffer.size() < buffer_cap) return;
    run_length(buffer, &run_keys, &run_counts);
    merge(cc.keys_, cc.counts_, run_keys, run_counts);
    if (cc.keys_.size() > max_pairs) prune(cc.keys_, cc.counts_, max_pairs);
  };
  for (uint64_t d = 0; d < data.num_docs(); ++d) {
    int64_t last = -1;  // last token of the previous sentence of this document
    for (uint64_t j = 0; j < data.doc_num_sentences(d); ++j) {
      const TokenSpan s = data.sentence(d, j);
      if (s.size == 0) continue;
      if (last >= 0) add(static_cast<uint64_t>(last), static_cast<uint64_t>(s[0]));
      add(boundary, static_cast<uint64_t>(s[0]));
      for (uint32_t i = 0; i < s.size; ++i) {
        const auto t = static_cast<uint64_t>(s[i]);
        if (t >= cc.vocab_size_) continue;  // the shard reader validated ids; be safe anyway
        cc.unigrams_[t] += 1;
        if (i + 1 < s.size) add(t, static_cast<uint64_t>(s[i + 1]));
      }
      add(static_cast<uint64_t>(s[s.size - 1]), boundary);
      last = s[s.size - 1];
    }
  }
  run_length(buffer, &run_keys, &run_counts);
  merge(cc.keys_, cc.counts_, run_keys, run_counts);
  if (cc.keys_.size() > max_pairs) prune(cc.keys_, cc.counts_, max_pairs);
  for (uint64_t n : cc.unigrams_) cc.total_ += n;
  cc.finalize();
  return cc;
}

void ContextCounts::finalize() {
  const uint64_t width = uint64_t{vocab_size_} + 1;
  best_unigram_ = 0;
  for (uint32_t c = 1; c < vocab_size_; ++c)
    if (unigrams_[c] > unigrams_[best_unigram_]) best_unigram_ = static_cast<int32_t>(c);
  best_left_.assign(width, -1);
  std::vector<uint32_t> best_count(width, 0);
  for (size_t i = 0; i < keys_.size(); ++i) {
    const uint64_t a = keys_[i] / width, b = keys_[i] % width;
    if (b == vocab_size_ || a >= width) continue;  // the boundary is never a prediction
    if (counts_[i] > best_count[a]) best_count[a] = counts_[i], best_left_[a] = static_cast<int>(b);
  }
}

uint64_t ContextCounts::unigram(int32_t c) const {
  return c >= 0 && static_cast<uint32_t>(c) < vocab_size_ ? unigrams_[c] : 0;
}

uint64_t ContextCounts::pair(int32_t a, int32_t b) const {
  if (a < 0 || b < 0 || static_cast<uint32_t>(a) > vocab_size_ ||
      static_cast<uint32_t>(b) > vocab_size_)
    return 0;
  const uint64_t key = static_cast<uint64_t>(a) * (uint64_t{vocab_size_} + 1) + b;
  auto it = std::lower_bound(keys_.begin(), keys_.end(), key);
  return it != keys_.end() && *it == key ? counts_[it - keys_.begin()] : 0;
}

int32_t ContextCounts::predict_left(int32_t prev) const {
  if (prev < 0 || static_cast<uint32_t>(prev) > vocab_size_ || best_left_[prev] < 0)
    return best_unigram_;
  return best_left_[prev];
}

int32_t ContextCounts::predict_bidirectional(int32_t prev, int32_t next) const {
  if (prev < 0 || static_cast<uint32_t>(prev) > vocab_size_) return best_unigram_;
  if (next < 0 || static_cast<uint32_t>(next) > vocab_size_) return predict_left(prev);
  const uint64_t width = uint64_t{vocab_size_} + 1;
  auto it = std::lower_bound(keys_.begin(), keys_.end(), static_cast<uint64_t>(prev) * width);
  const auto end = std::lower_bound(it, keys_.end(), static_cast<uint64_t>(prev + 1) * width);
  double best = 0;
  int32_t arg = -1;
  for (; it != end; ++it) {
    const auto c = static_cast<int32_t>(*it % width);
    if (static_cast<uint32_t>(c) == vocab_size_ || unigrams_[c] == 0) continue;
    const double score = static_cast<double>(counts_[it - keys_.begin()]) *
                         static_cast<double>(pair(c, next)) / static_cast<double>(unigrams_[c]);
    if (score > best) best = score, arg = c;
  }
  return arg >= 0 ? arg : predict_left(prev);
}

void ContextCounts::write(const std::string& path, const std::string& fingerprint) const {
  FileHeader h{};
  std::memcpy(h.magic, kMagic, sizeof kMagic);
  h.version = 1;
  h.vocab_size = vocab_size_;
  h.total_tokens = total_;
  h.num_pairs = keys_.size();
  std::memcpy(h.fingerprint, fingerprint.data(), std::min<size_t>(64, fingerprint.size()));
  std::string bytes(reinterpret_cast<const char*>(&h), sizeof h);
  bytes.append(reinterpret_cast<const char*>(unigrams_.data()), unigrams_.size() * 8);
  bytes.append(reinterpret_cast<const char*>(keys_.data()), keys_.size() * 8);
  bytes.append(reinterpret_cast<const char*>(counts_.data()), counts_.size() * 4);
  fs::write_file_atomic(path, bytes);
}

ContextCounts ContextCounts::read(const std::string& path, std::string* fingerprint) {
  const std::string bytes = fs::read_file(path);
  FileHeader h{};
  if (bytes.size() < sizeof h) throw InputError(path, 0, "truncated context counts (no header)");
  std::memcpy(&h, bytes.data(), sizeof h);
  if (std::memcmp(h.magic, kMagic, sizeof kMagic) != 0 || h.version != 1)
    throw InputError(path, 0, "not a bertforge context counts file (bad magic or version)");
  // Sizes checked against the file before anything is allocated.
  const uint64_t body = bytes.size() - sizeof h;
  const uint64_t want_unigrams = uint64_t{h.vocab_size} * 8;
  if (want_unigrams > body || h.num_pairs > (body - want_unigrams) / 12 ||
      want_unigrams + h.num_pairs * 12 != body)
    throw InputError(path, 0, "damaged context counts (sizes do not match the file)");
  ContextCounts cc;
  cc.vocab_size_ = h.vocab_size;
  cc.total_ = h.total_tokens;
  cc.unigrams_.resize(h.vocab_size);
  cc.keys_.resize(h.num_pairs);
  cc.counts_.resize(h.num_pairs);
  const char* p = bytes.data() + sizeof h;
  std::memcpy(cc.unigrams_.data(), p, want_unigrams);
  std::memcpy(cc.keys_.data(), p + want_unigrams, h.num_pairs * 8);
  std::memcpy(cc.counts_.data(), p + want_unigrams + h.num_pairs * 8, h.num_pairs * 4);
  const uint64_t limit = uint64_t{h.vocab_size} * (uint64_t{h.vocab_size} + 1) + h.vocab_size + 1;
  for (size_t i = 0; i < cc.keys_.size(); ++i)
    if (cc.keys_[i] >= limit || (i > 0 && cc.keys_[i] <= cc.keys_[i - 1]))
      throw InputError(path, 0, "damaged context counts (pair keys out of range or unsorted)");
  *fingerprint = std::string(h.fingerprint, sizeof h.fingerprint);
  cc.finalize();
  return cc;
}

ContextCounts ContextCounts::load_or_build(const std::string& data_dir, bool write_cache,
                                           const std::string& expect_tokenizer_checksum) {
  const nlohmann::json manifest = read_manifest(data_dir);
  if (!expect_tokenizer_checksum.empty() &&
      manifest.value("tokenizer_checksum", std::string()) != expect_tokenizer_checksum)
    throw InputError(data_dir, 0, "the data was prepared with another tokenizer");
  const std::string fingerprint = sha256_hex(fs::read_file(fs::join(data_dir, kManifestName)));
  const std::string cache = fs::join(data_dir, kContextCountsName);
  if (fs::exists(cache)) {
    try {
      std::string had;
      ContextCounts cc = read(cache, &had);
      if (had == fingerprint) return cc;
    } catch (const Error& e) {
      log::warn("rebuilding the context counts: {}", e.what());
    }
  }
  const auto t0 = std::chrono::steady_clock::now();
  Dataset train = Dataset::open(data_dir, "train");
  ContextCounts cc = build(train);
  const double sec = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  log::info("context counts for the baselines: {} training tokens, {} distinct pairs ({} ms)",
            cc.total_tokens(), cc.num_pairs(), static_cast<int>(sec * 1000));
  if (write_cache) {
    try {
      cc.write(cache, fingerprint);
    } catch (const Error& e) {
      log::warn("context counts not cached: {}", e.what());
    }
  }
  return cc;
}

}  // namespace bertforge
