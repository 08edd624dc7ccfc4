#include "data/split_writer.h"

#include <cstdio>

#include "fs/fs.h"

namespace bertforge {
using json = nlohmann::json;

SplitWriter::SplitWriter(const std::string& dir, uint32_t vocab, const std::string& checksum,
                         int64_t shard_tokens)
    : dir_(dir),
      shard_tokens_(static_cast<uint64_t>(shard_tokens)),
      writers_{ShardWriter(vocab, checksum), ShardWriter(vocab, checksum)} {}

void SplitWriter::begin_document(Split s) {
  end_document();
  cur_ = s;
  open_ = true;
}

void SplitWriter::add_sentence(const int* ids, size_t n) {
  if (n == 0) return;
  has_tokens_ = true;
  ShardWriter& w = writers_[cur_];
  w.add_sentence(ids, n);
  ++sentences_[cur_];
  tokens_[cur_] += n;
  if (w.num_tokens() >= shard_tokens_ && w.open_doc_tokens() >= shard_tokens_) {
    w.end_document();
    flush(cur_);
    ++split_documents_;
  }
}

void SplitWriter::end_document() {
  if (!open_) return;
  open_ = false;
  ShardWriter& w = writers_[cur_];
  w.end_document();
  if (has_tokens_) ++documents_[cur_];
  has_tokens_ = false;
  if (w.num_tokens() >= shard_tokens_) flush(cur_);
}

void SplitWriter::begin_source(const std::string& name) {
  end_document();
  for (Split s : {kTrain, kValid})
    if (writers_[s].num_tokens() > 0) flush(s);
  source_ = name;
}

void SplitWriter::finish() {
  end_document();
  for (Split s : {kTrain, kValid})
    if (writers_[s].num_tokens() > 0) flush(s);
}

json SplitWriter::split_json(Split s) const {
  return {{"documents", shard_documents_[s]},
          {"sentences", sentences_[s]},
          {"tokens", tokens_[s]},
          {"shards", shards_[s]}};
}

void SplitWriter::flush(Split s) {
  ShardWriter& w = writers_[s];
  char name[32];
  std::snprintf(name, sizeof name, "%s-%05zu.bin", kSplitNames[s], shards_[s].size());
  const uint64_t docs = w.num_docs(), sents = w.num_sentences(), toks = w.num_tokens();
  const std::string path = fs::join(dir_, name);
  const std::string sha = w.write(path);
  written_.push_back(name);
  shard_documents_[s] += docs;
  shards_[s].push_back({{"file", name},
                        {"bytes", fs::file_size(path)},
                        {"sha256", sha},
                        {"documents", docs},
                        {"sentences", sents},
                        {"tokens", toks}});
  if (!source_.empty()) shards_[s].back()["source"] = source_;
}

}  // namespace bertforge
