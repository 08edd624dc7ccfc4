#include "data/dataset.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "data/manifest.h"
#include "errors/errors.h"
#include "fs/fs.h"

namespace bertforge {
using json = nlohmann::json;

std::string manifest_path(const std::string& run_dir) {
  return fs::join(data_dir(run_dir), kManifestName);
}

Dataset Dataset::open(const std::string& dir, const std::string& split,
                      const std::string& expect_tokenizer_checksum) {
  const json m = read_manifest(dir);
  const std::string mpath = fs::join(dir, kManifestName);
  const std::string checksum = m.at("tokenizer_checksum").get<std::string>();
  if (!expect_tokenizer_checksum.empty() && checksum != expect_tokenizer_checksum)
    throw InputError(mpath, 0,
                     "the data was prepared with another tokenizer (checksum " +
                         checksum.substr(0, 12) + "..., expected " +
                         expect_tokenizer_checksum.substr(0, 12) + "...)",
                     "re-run `bertforge prepare`");
  if (!m["splits"].contains(split))
    throw InputError(mpath, 0, "no split '" + split + "' (expected train or valid)");
  Dataset ds;
  ds.vocab_size_ = m.at("vocab_size").get<uint32_t>();
  ds.tokenizer_checksum_ = checksum;
  for (const auto& s : m["splits"][split].at("shards")) {
    const std::string path = fs::join(dir, s.at("file").get<std::string>());
    if (!fs::exists(path))
      throw InputError(path, 0, "shard listed in the manifest is missing",
                       "re-run `bertforge prepare`");
    const int64_t bytes = s.at("bytes").get<int64_t>();
    if (fs::file_size(path) != bytes)
      throw InputError(path, 0,
                       "shard is " + std::to_string(fs::file_size(path)) +
                           " bytes, the manifest says " + std::to_string(bytes),
                       "re-run `bertforge prepare`");
    ShardReader r(path, checksum);
    if (r.header().vocab_size != ds.vocab_size_)
      throw InputError(path, 0,
                       "vocab size " + std::to_string(r.header().vocab_size) +
                           " differs from the manifest's " + std::to_string(ds.vocab_size_),
                       "re-run `bertforge prepare`");
    ds.num_tokens_ += r.num_tokens();
    ds.num_sentences_ += r.num_sentences();
    ds.doc_offsets_.push_back(ds.doc_offsets_.back() + r.num_docs());
    ds.shards_.push_back(std::move(r));
  }
  ds.set_sources(m, split, mpath);
  return ds;
}

void Dataset::set_sources(const json& m, const std::string& split, const std::string& mpath) {
  if (!m.contains("sources")) return;
  auto bad = [&](const std::string& what) {
    return InputError(mpath, 0, "malformed manifest: " + what, "re-run `bertforge prepare`");
  };
  for (const auto& s : m["sources"]) sources_.push_back({s["name"].get<std::string>(), 0, 0});
  const json& shards = m["splits"][split]["shards"];
  long prev = -1;
  for (size_t k = 0; k < shards.size(); ++k) {
    const std::string name = shards[k].value("source", "");
    long i = 0;
    while (i < static_cast<long>(sources_.size()) && sources_[i].name != name) ++i;
    if (i == static_cast<long>(sources_.size()))
      throw bad(split + " shard " + std::to_string(k) + " has no source of the manifest's sources");
    SourceRange& r = sources_[static_cast<size_t>(i)];
    if (i != prev) {
      if (r.end > r.begin) throw bad("the shards of source '" + name + "' are not consecutive");
      r.begin = doc_offsets_[k];
    }
    r.end = doc_offsets_[k + 1];
    prev = i;
  }
}

Dataset Dataset::from_shards(const std::vector<std::string>& paths,
                             const std::string& expect_tokenizer_checksum) {
  Dataset ds;
  ds.tokenizer_checksum_ = expect_tokenizer_checksum;
  for (const auto& path : paths) {
    ShardReader r(path, ds.tokenizer_checksum_);
    const auto& h = r.header();
    if (ds.shards_.empty()) {
      ds.vocab_size_ = h.vocab_size;
      ds.tokenizer_checksum_ = std::string(h.tokenizer_checksum, sizeof h.tokenizer_checksum);
    } else if (h.vocab_size != ds.vocab_size_) {
      throw InputError(path, 0,
                       "vocab size " + std::to_string(h.vocab_size) + " differs from " +
                           std::to_string(ds.vocab_size_) + " of " + ds.shards_[0].path());
    }
    ds.num_tokens_ += r.num_tokens();
    ds.num_sentences_ += r.num_sentences();
    ds.doc_offsets_.push_back(ds.doc_offsets_.back() + r.num_docs());
    ds.shards_.push_back(std::move(r));
  }
  return ds;
}

uint64_t Dataset::doc_num_sentences(uint64_t d) const {
  size_t k = static_cast<size_t>(std::upper_bound(doc_offsets_.begin(), doc_offsets_.end(), d) -
                                 doc_offsets_.begin() - 1);
  const uint64_t local = d - doc_offsets_[k];
  return shards_[k].doc_end_sentence(local) - shards_[k].doc_first_sentence(local);
}

TokenSpan Dataset::sentence(uint64_t d, uint64_t j) const {
  size_t k = static_cast<size_t>(std::upper_bound(doc_offsets_.begin(), doc_offsets_.end(), d) -
                                 doc_offsets_.begin() - 1);
  const uint64_t local = d - doc_offsets_[k];
  return shards_[k].sentence(shards_[k].doc_first_sentence(local) + j);
}

}  // namespace bertforge
