// prepare on corpora as users have them: the same documents as plain text, gzip/zstd JSONL (a
// nested field), CSV, TSV and a directory of mixed shards give byte-identical shards; named
// sources (data.sources) get shards of their own, recorded in the manifest.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "config/config.h"
#include "data/compress_util.h"
#include "data/dataset.h"
#include "data/prepare.h"
#include "errors/errors.h"
#include "fs/fs.h"
#include "testutil.h"
#include "tokenizer/tokenizer.h"
#include "tokenizer/tokenizer_stage.h"

namespace bertforge {
namespace {

using testing::TempDir;
using testing::write_text;
using Docs = std::vector<std::vector<std::string>>;

class PrepareFormatsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    tok_dir_ = new TempDir();
    Config c;
    c.run_dir = tok_dir_->file("run");
    c.data.train_files = {tok_dir_->file("corpus.txt")};
    c.tokenizer.vocab_size = 300;
    testing::write_corpus(tok_dir_->file("corpus.txt"), 300, 11);
    run_tokenizer_stage(TokenizerJob::of(c));
    model_ = tokenizer_model_path(c.run_dir);
  }
  static void TearDownTestSuite() { delete tok_dir_; }

  Config config(const std::vector<std::string>& files, const std::string& run) {
    Config c;
    c.run_dir = tmp_.file(run);
    c.data.train_files = files;
    c.data.threads = 2;
    c.data.shard_tokens = 2000;  // several shards per split
    c.data.valid_fraction = 0.1;
    return c;
  }
  // Every shard of <run>/data/ and its bytes (not the manifest, which names the inputs).
  std::map<std::string, std::string> shards(const Config& c) {
    std::map<std::string, std::string> out;
    for (const auto& e : std::filesystem::directory_iterator(data_dir(c.run_dir)))
      if (e.path().extension() == ".bin")
        out[e.path().filename().string()] = testing::read_text(e.path().string());
    return out;
  }

  static TempDir* tok_dir_;
  static std::string model_;
  TempDir tmp_;
};
TempDir* PrepareFormatsTest::tok_dir_ = nullptr;
std::string PrepareFormatsTest::model_;

// The documents of a text corpus: split at blank lines (write_corpus writes no other blank line).
Docs parse_text(const std::string& text) {
  Docs docs(1);
  size_t b = 0;
  while (b < text.size()) {
    size_t e = text.find('\n', b);
    if (e == std::string::npos) e = text.size();
    const std::string line = text.substr(b, e - b);
    if (line.empty()) {
      if (!docs.back().empty()) docs.emplace_back();
    } else {
      docs.back().push_back(line);
    }
    b = e + 1;
  }
  if (docs.back().empty()) docs.pop_back();
  return docs;
}

std::string as_text(const Docs& docs, size_t from, size_t to) {
  std::string t;
  for (size_t d = from; d < to; ++d) {
    if (d > from) t += "\n";
    for (const auto& s : docs[d]) t += s + "\n";
  }
  return t;
}

std::string joined(const std::vector<std::string>& doc) {
  std::string t;
  for (const auto& s : doc) t += (t.empty() ? "" : "\n") + s;
  return t;
}

// RFC 4180 quoting: every field quoted, quotes doubled.
std::string quoted(const std::string& s) {
  std::string out = "\"";
  for (char ch : s) out += ch == '"' ? std::string("\"\"") : std::string(1, ch);
  return out + "\"";
}

TEST_F(PrepareFormatsTest, EveryFormatGivesByteIdenticalShards) {
  testing::write_corpus(tmp_.file("c.txt"), 150, 4);
  Docs docs = parse_text(testing::read_text(tmp_.file("c.txt")));
  // Delimiters, quotes and a tab inside the text.
  docs.insert(docs.begin() + 7, {"He said \"yes, indeed\", twice.", "Tabs\tand, commas \"\"."});
  ASSERT_GT(docs.size(), 100u);
  const std::string text = as_text(docs, 0, docs.size());
  write_text(tmp_.file("c.txt"), text);
  std::string jsonl_nested, jsonl, csv = "id,text,n\r\n", tsv = "text\tid\n";
  for (size_t d = 0; d < docs.size(); ++d) {
    const std::string body = joined(docs[d]);
    jsonl_nested += nlohmann::json{{"id", d}, {"meta", {{"body", body}}}}.dump() + "\n";
    jsonl += nlohmann::json{{"text", body}, {"id", d}}.dump() + "\n";
    csv += std::to_string(d) + "," + quoted(body) + "," + std::to_string(body.size()) + "\r\n";
    tsv += quoted(body) + "\t" + std::to_string(d) + "\n";
  }
  write_text(tmp_.file("c.jsonl.gz"), testing::gzip_bytes(jsonl_nested));
  write_text(tmp_.file("c.jsonl.zst"), testing::zstd_bytes(jsonl));
  write_text(tmp_.file("c.csv"), csv);
  write_text(tmp_.file("c.tsv.zst"), testing::zstd_bytes(tsv));
  // A directory of shards, plain and compressed, in sorted order; each ends documents.
  std::filesystem::create_directories(tmp_.file("dir/part-1"));
  std::filesystem::create_directories(tmp_.file("dir/part-0"));
  const size_t a = docs.size() / 3, b = 2 * docs.size() / 3;
  write_text(tmp_.file("dir/part-0/00.txt"), as_text(docs, 0, a));
  write_text(tmp_.file("dir/part-0/01.txt.gz"), testing::gzip_bytes(as_text(docs, a, b)));
  write_text(tmp_.file("dir/part-1/02.txt.zst"),
             testing::zstd_bytes(as_text(docs, b, docs.size())));

  Config ref = config({tmp_.file("c.txt")}, "text");
  run_prepare(PrepareJob::of(ref, model_));
  const auto want = shards(ref);
  ASSERT_GT(want.size(), 3u);
  struct Variant {
    std::string file, format, field;
  };
  const std::vector<Variant> variants = {{"c.jsonl.gz", "jsonl", "meta.body"},
                                         {"c.jsonl.zst", "jsonl", "text"},
                                         {"c.csv", "csv", "text"},
                                         {"c.tsv.zst", "tsv", "text"},
                                         {"dir", "text", "text"}};
  for (const Variant& v : variants) {
    Config c = config({tmp_.file(v.file)}, "run-" + v.file);
    c.data.format = v.format;
    c.data.text_field = v.field;
    const PrepareSummary s = run_prepare(PrepareJob::of(c, model_));
    EXPECT_EQ(s.documents, docs.size()) << v.file;
    EXPECT_TRUE(shards(c) == want) << v.file << " gives other shards";
  }
}

TEST_F(PrepareFormatsTest, NamedSourcesGetShardsOfTheirOwn) {
  testing::write_corpus(tmp_.file("dom.txt"), 60, 1, 1);
  testing::write_corpus(tmp_.file("gen.txt"), 90, 2, 0);
  testing::write_corpus(tmp_.file("gen-valid.txt"), 10, 3, 0);
  Config c = config({}, "mix");
  c.data.sources = {{"domain", {tmp_.file("dom.txt")}, {}, 0.8},
                    {"general", {tmp_.file("gen.txt")}, {tmp_.file("gen-valid.txt")}, 0.2}};
  run_prepare(PrepareJob::of(c, model_));
  const auto m = nlohmann::json::parse(testing::read_text(manifest_path(c.run_dir)));
  ASSERT_TRUE(m.contains("sources"));
  ASSERT_EQ(m["sources"].size(), 2u);
  EXPECT_EQ(m["sources"][0]["name"], "domain");
  // general's documents are all in train (its own valid_files hold its validation text).
  EXPECT_EQ(m["sources"][1]["train"]["documents"], 90);
  EXPECT_EQ(m["sources"][1]["valid"]["documents"], 10);
  uint64_t dom_docs = m["sources"][0]["train"]["documents"].get<uint64_t>() +
                      m["sources"][0]["valid"]["documents"].get<uint64_t>();
  EXPECT_EQ(dom_docs, 60u);
  EXPECT_GT(m["sources"][0]["valid"]["documents"].get<uint64_t>(), 0u);
  for (const char* split : {"train", "valid"}) {
    std::string last;
    for (const auto& sh : m["splits"][split]["shards"]) {
      const std::string s = sh["source"];
      EXPECT_TRUE(last.empty() || last == s || (last == "domain" && s == "general")) << split;
      last = s;
    }
  }
  const Dataset train = Dataset::open(data_dir(c.run_dir), "train");
  ASSERT_EQ(train.sources().size(), 2u);
  EXPECT_EQ(train.sources()[0].begin, 0u);
  EXPECT_EQ(train.sources()[0].end, train.sources()[1].begin);
  EXPECT_EQ(train.sources()[1].end, train.num_docs());
  EXPECT_EQ(train.sources()[1].end - train.sources()[1].begin, 90u);
  // Re-running with the same sources is a no-op; another weight changes nothing prepared.
  c.data.sources[0].weight = 0.5;
  EXPECT_TRUE(run_prepare(PrepareJob::of(c, model_)).skipped);
}

TEST_F(PrepareFormatsTest, EmptySourceNamesItsKey) {
  testing::write_corpus(tmp_.file("dom.txt"), 20, 1);
  write_text(tmp_.file("blank.txt"), "\n\n  \n");
  Config c = config({}, "empty");
  c.data.sources = {{"domain", {tmp_.file("dom.txt")}, {}, 1},
                    {"general", {tmp_.file("blank.txt")}, {}, 1}};
  try {
    run_prepare(PrepareJob::of(c, model_));
    FAIL() << "no error";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find(
                  "blank.txt: the corpus is empty (no sentences in data.sources[1].files, source "
                  "'general')"),
              std::string::npos)
        << e.what();
  }
  EXPECT_FALSE(fs::exists(data_dir(c.run_dir) + "/manifest.json"));
}

}  // namespace
}  // namespace bertforge
