// read_manifest on hand-made manifests: a valid one, and every key its readers (Dataset::open,
// prepare's up-to-date check, the count baselines) use, of a wrong type or out of range, refused
// as an InputError instead of escaping as a JSON exception later.
#include "data/manifest.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "errors/errors.h"
#include "testutil.h"

namespace bertforge {
namespace {

nlohmann::json valid_manifest() {
  nlohmann::json shard = {{"file", "train-00000.bin"}, {"bytes", 208}, {"documents", 2}};
  return {{"format_version", 1},
          {"tokenizer_checksum", std::string(64, 'a')},
          {"vocab_size", 100},
          {"splits",
           {{"train", {{"documents", 2}, {"shards", {shard}}}},
            {"valid", {{"documents", 0}, {"shards", nlohmann::json::array()}}}}},
          {"stats", {{"documents", 2}, {"tokens", 9}}}};
}

// The InputError message of reading `text` as a manifest ("" when accepted).
std::string refusal(const std::string& text) {
  testing::TempDir dir;
  testing::write_text(dir.file("manifest.json"), text);
  try {
    read_manifest(dir.path());
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

TEST(ManifestTest, AcceptsAValidManifest) { EXPECT_EQ(refusal(valid_manifest().dump()), ""); }

TEST(ManifestTest, WrongTypesAndValuesAreInputErrors) {
  const char* pointers[] = {"/format_version",
                            "/tokenizer_checksum",
                            "/vocab_size",
                            "/splits",
                            "/splits/train",
                            "/splits/valid/shards",
                            "/splits/train/shards/0",
                            "/splits/train/shards/0/file",
                            "/splits/train/shards/0/bytes",
                            "/splits/train/documents",
                            "/stats",
                            "/stats/tokens"};
  for (const char* p : pointers) {
    for (const nlohmann::json& v : {nlohmann::json("x"), nlohmann::json(-1), nlohmann::json(1.5),
                                    nlohmann::json::array(), nlohmann::json()}) {
      nlohmann::json m = valid_manifest();
      m[nlohmann::json::json_pointer(p)] = v;
      // An empty list is fine for shards, a string for the two string keys; the rest is refused.
      const std::string key = p;
      if (key == "/splits/valid/shards" && v.is_array()) continue;
      if ((key == "/tokenizer_checksum" || key == "/splits/train/shards/0/file") && v.is_string())
        continue;
      EXPECT_NE(refusal(m.dump()), "") << p << " = " << v.dump();
    }
  }
}

TEST(ManifestTest, ShardFilesStayInTheDataDirectory) {
  for (const char* file : {"../train-00000.bin", "/etc/passwd", "", ".hidden", "a/b.bin"}) {
    nlohmann::json m = valid_manifest();
    m["splits"]["train"]["shards"][0]["file"] = file;
    EXPECT_NE(refusal(m.dump()).find("not a file name in the data directory"), std::string::npos)
        << file;
  }
}

TEST(ManifestTest, HugeVocabularyAndNumberOverflowAreRefused) {
  nlohmann::json m = valid_manifest();
  m["vocab_size"] = uint64_t{1} << 40;
  EXPECT_NE(refusal(m.dump()).find("vocab_size"), std::string::npos);
  // 1e999 does not fit a double: nlohmann throws out_of_range, not parse_error.
  EXPECT_NE(refusal(R"({"format_version": 1, "vocab_size": 1e999})").find("malformed manifest"),
            std::string::npos);
  EXPECT_NE(refusal("{").find("malformed manifest"), std::string::npos);
}

}  // namespace
}  // namespace bertforge
