#include "data/manifest.h"

#include <cstdint>
#include <filesystem>

#include "data/shard.h"
#include "errors/errors.h"
#include "fs/fs.h"

namespace bertforge {
using json = nlohmann::json;

namespace {

// The keys every reader of a manifest uses (dataset.cpp, prepare.cpp, context_counts.cpp), each of
// the type they read it as, so that none of them meets a JSON type error or an absurd value.
void check_manifest(const json& m, const std::string& path) {
  auto bad = [&](const std::string& what) {
    return InputError(path, 0, "malformed manifest: " + what, "re-run `bertforge prepare`");
  };
  auto count = [&](const json& obj, const char* key, const std::string& where, bool required) {
    const auto it = obj.find(key);
    if (it == obj.end()) {
      if (required) throw bad(where + " lacks \"" + key + "\"");
      return;
    }
    if (!it->is_number_unsigned())
      throw bad(where + key + " is not an integer >= 0 (got " + it->dump() + ")");
  };
  for (const char* key : {"tokenizer_checksum", "vocab_size", "splits"})
    if (!m.contains(key)) throw bad(std::string("lacks \"") + key + "\"");
  if (!m["tokenizer_checksum"].is_string()) throw bad("tokenizer_checksum is not a string");
  count(m, "vocab_size", "", true);
  const uint64_t vocab = m["vocab_size"].get<uint64_t>();
  if (vocab < 1 || vocab > kMaxVocabSize)
    throw bad("vocab_size " + std::to_string(vocab) + " out of range");
  if (!m.contains("stats") || !m["stats"].is_object())
    throw bad("stats is missing or not an object");
  for (const char* key : {"documents", "sentences", "tokens", "unknown_tokens", "input_bytes"})
    count(m["stats"], key, "stats.", false);
  if (m.contains("sources")) {  // named sources (data.sources)
    if (!m["sources"].is_array()) throw bad("sources is not a list");
    for (const json& src : m["sources"])
      if (!src.is_object() || !src.contains("name") || !src["name"].is_string())
        throw bad("sources holds an entry without a \"name\" string");
  }
  const json& splits = m["splits"];
  if (!splits.is_object()) throw bad("splits is not an object");
  for (const char* split : {"train", "valid"}) {
    const std::string where = std::string("splits.") + split;
    if (!splits.contains(split) || !splits[split].is_object())
      throw bad(where + " is missing or not an object");
    const json& s = splits[split];
    for (const char* key : {"documents", "sentences", "tokens"}) count(s, key, where + ".", false);
    if (!s.contains("shards") || !s["shards"].is_array())
      throw bad(where + ".shards is missing or not a list");
    for (const json& shard : s["shards"]) {
      if (!shard.is_object()) throw bad(where + ".shards holds a non-object");
      const auto file = shard.find("file");
      // A plain name inside the data directory: never a path elsewhere.
      if (file == shard.end() || !file->is_string() || file->get<std::string>().empty() ||
          file->get<std::string>()[0] == '.' ||
          file->get<std::string>().find('/') != std::string::npos)
        throw bad(where + ".shards: \"file\" is not a file name in the data directory");
      count(shard, "bytes", where + ".shards[].", true);
      if (shard["bytes"].get<uint64_t>() > uint64_t{INT64_MAX})
        throw bad(where + ".shards[].bytes out of range");
      for (const char* key : {"documents", "sentences", "tokens"})
        count(shard, key, where + ".shards[].", false);
      if (shard.contains("source") && !shard["source"].is_string())
        throw bad(where + ".shards[].source is not a string");
    }
  }
}

}  // namespace

nlohmann::json read_manifest(const std::string& data_dir) {
  const std::string path = fs::join(data_dir, kManifestName);
  if (!fs::exists(path)) {
    bool leftovers = false;
    std::error_code ec;
    if (fs::is_dir(data_dir))
      for (const auto& e : std::filesystem::directory_iterator(data_dir, ec)) {
        (void)e;
        leftovers = true;
        break;
      }
    if (leftovers)
      throw InputError(data_dir, 0,
                       "incomplete prepared data (no manifest.json: prepare was interrupted or "
                       "failed)",
                       "re-run `bertforge prepare`");
    throw InputError(data_dir, 0, "no prepared data (no manifest.json)",
                     "run `bertforge prepare` first");
  }
  json m;
  try {
    m = json::parse(fs::read_file(path));
  } catch (const json::exception& e) {  // parse_error, or out_of_range for a number like 1e999
    throw InputError(path, 0, std::string("malformed manifest: ") + e.what(),
                     "re-run `bertforge prepare`");
  }
  if (!m.is_object() || !m.contains("format_version") || m["format_version"] != kManifestVersion)
    throw InputError(path, 0,
                     "unsupported manifest format (expected format_version " +
                         std::to_string(kManifestVersion) + ")",
                     "re-run `bertforge prepare`");
  check_manifest(m, path);
  return m;
}

}  // namespace bertforge
