// Fuzz target: <run_dir>/data/manifest.json as `train`, `inspect`, `evaluate` and `prepare` read it
// (read_manifest, Dataset::open over the shards it lists, ContextCounts::load_or_build), beside
// two small valid shards (train-00000.bin, valid-00000.bin) so that listed shards open. A refusal
// is a bertforge::Error. A manifest read_manifest accepts must also be readable the way prepare.cpp
// reads it (up_to_date and its "skipping" summary) without a JSON type error, else the target
// traps. Anything else escaping is a finding.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "console/logging.h"
#include "data/context_counts.h"
#include "data/dataset.h"
#include "data/manifest.h"
#include "data/shard.h"
#include "errors/errors.h"
#include "fuzz_util.h"

namespace {

// The tokenizer checksum the shards (and the seed manifests) carry.
const std::string kChecksum = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

const std::string& data_dir() {
  static const std::string dir = [] {
    bertforge::log::set_level(bertforge::log::Level::kError);
    const std::string d = bertforge::fuzz::scratch_dir("manifest");
    bertforge::ShardWriter train(100, kChecksum), valid(100, kChecksum);
    train.add_document({{5, 6, 7}, {8, 9}});
    train.add_document({{10, 11, 12, 13}});
    valid.add_document({{20, 21}, {22}});
    train.write(d + "/train-00000.bin");  // 208 bytes
    valid.write(d + "/valid-00000.bin");  // 176 bytes
    return d;
  }();
  return dir;
}

// What prepare.cpp reads of an existing manifest (up_to_date, then the skip summary).
void read_like_prepare(nlohmann::json m) {
  (void)(m.value("inputs", nlohmann::json()) != nlohmann::json::object());
  (void)(m.value("tokenizer_checksum", "") != kChecksum);
  for (const char* split : {"train", "valid"})
    for (const auto& s : m["splits"][split]["shards"]) {
      (void)s["file"].get<std::string>();
      (void)s["bytes"].get<int64_t>();
    }
  const nlohmann::json& st = m["stats"];
  for (const char* key : {"documents", "sentences", "tokens", "unknown_tokens"})
    (void)st.value(key, uint64_t{0});
  (void)m["splits"]["train"].value("documents", uint64_t{0});
  (void)m["splits"]["valid"].value("documents", uint64_t{0});
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string& dir = data_dir();
  bertforge::fuzz::write_file(dir + "/" + bertforge::kManifestName, data, size);
  try {
    const nlohmann::json m = bertforge::read_manifest(dir);
    try {
      read_like_prepare(m);
    } catch (const nlohmann::json::exception&) {
      __builtin_trap();  // accepted by read_manifest, yet not what prepare can read
    }
  } catch (const bertforge::Error&) {
    return 0;
  }
  for (const char* split : {"train", "valid", "test"}) {
    try {
      const bertforge::Dataset ds = bertforge::Dataset::open(dir, split, kChecksum);
      for (uint64_t d = 0; d < ds.num_docs(); ++d)
        for (uint64_t j = 0; j < ds.doc_num_sentences(d); ++j) {
          const bertforge::TokenSpan s = ds.sentence(d, j);
          if (s.size > 0) (void)s[s.size - 1];
        }
    } catch (const bertforge::Error&) {
    }
  }
  try {
    (void)bertforge::ContextCounts::load_or_build(dir, false, kChecksum);
  } catch (const bertforge::Error&) {
  }
  return 0;
}
