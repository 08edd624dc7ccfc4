// End-to-end: `bertforge tokenizer` and `bertforge prepare` through the real executable, including
// the bad inputs of issue 2 (each a clear one-line error, the right exit code, no partial output).
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "e2e/e2e_util.h"
#include "testutil.h"

namespace bertforge::testing {
namespace {
namespace stdfs = std::filesystem;

// A run directory with a small corpus and a config that points at both.
struct PrepRun {
  TempDir dir;
  std::string config, run_dir, corpus;
  explicit PrepRun(int docs = 150, const std::string& extra_data = "", int vocab = 300) {
    run_dir = dir.file("run");
    corpus = dir.file("corpus.txt");
    write_corpus(corpus, docs, 3);
    config = dir.file("config.json");
    write_text(config, R"({"run_dir": ")" + run_dir + R"(", "tokenizer": {"vocab_size": )" +
                           std::to_string(vocab) + R"(}, "data": {"train_files": [")" + corpus +
                           R"("], "valid_fraction": 0.1, "shard_tokens": 2000)" + extra_data +
                           "}}");
  }
  RunResult run(const std::string& cmd, const std::string& sets = "") const {
    return run_bertforge(cmd + " --config " + config + " " + sets);
  }
  std::map<std::string, std::string> data_files() const {
    std::map<std::string, std::string> out;
    for (const auto& e : stdfs::directory_iterator(run_dir + "/data"))
      out[e.path().filename().string()] = read_text(e.path().string());
    return out;
  }
};

// The line of the output that carries the error.
std::string error_line(const RunResult& r) {
  size_t at = r.output.find("[error] ");
  if (at == std::string::npos) return "";
  return r.output.substr(at, r.output.find('\n', at) - at);
}

TEST(PrepareE2E, TokenizerThenPrepareThenNoOp) {
  PrepRun r;
  auto t = r.run("tokenizer");
  ASSERT_EQ(t.exit_code, 0) << t.output;
  EXPECT_TRUE(stdfs::exists(r.run_dir + "/tokenizer/spm.model"));
  auto info = nlohmann::json::parse(read_text(r.run_dir + "/tokenizer/tokenizer.json"));
  EXPECT_EQ(info["checksum"].get<std::string>().size(), 64u);

  auto p = r.run("prepare");
  ASSERT_EQ(p.exit_code, 0) << p.output;
  EXPECT_NE(p.output.find("tokens/sentence"), std::string::npos) << p.output;
  EXPECT_NE(p.output.find("unknown-token rate"), std::string::npos) << p.output;
  auto m = nlohmann::json::parse(read_text(r.run_dir + "/data/manifest.json"));
  EXPECT_EQ(m["tokenizer_checksum"], info["checksum"]);
  EXPECT_EQ(m["stats"]["documents"], 150);
  EXPECT_GT(m["splits"]["valid"]["documents"].get<int>(), 0);
  EXPECT_GT(m["splits"]["train"]["shards"].size(), 1u);

  auto t2 = r.run("tokenizer");
  EXPECT_EQ(t2.exit_code, 0) << t2.output;
  EXPECT_NE(t2.output.find("tokenizer: up to date, skipping"), std::string::npos) << t2.output;
  auto p2 = r.run("prepare");
  EXPECT_EQ(p2.exit_code, 0) << p2.output;
  EXPECT_NE(p2.output.find("prepare: up to date, skipping"), std::string::npos) << p2.output;
}

TEST(PrepareE2E, ByteIdenticalAcrossThreadCounts) {
  PrepRun r(400);
  ASSERT_EQ(r.run("tokenizer").exit_code, 0);
  auto p1 = r.run("prepare", "--set data.threads=1");
  ASSERT_EQ(p1.exit_code, 0) << p1.output;
  auto one = r.data_files();
  stdfs::remove_all(r.run_dir + "/data");
  auto p3 = r.run("prepare", "--set data.threads=3");
  ASSERT_EQ(p3.exit_code, 0) << p3.output;
  auto three = r.data_files();
  EXPECT_GT(one.size(), 3u);
  EXPECT_TRUE(one == three);
}

TEST(PrepareE2E, JsonlAndOneHugeDocument) {
  PrepRun r;
  ASSERT_EQ(r.run("tokenizer").exit_code, 0);
  write_corpus_jsonl(r.dir.file("c.jsonl"), 50, 3);
  auto j =
      r.run("prepare", "--set data.format=jsonl --set data.train_files=" + r.dir.file("c.jsonl"));
  EXPECT_EQ(j.exit_code, 0) << j.output;

  std::string huge;
  for (int i = 0; i < 5000; ++i) huge += "The quiet farmer helped the old horse at night.\n";
  write_text(r.dir.file("huge.txt"), huge);
  auto h = r.run("prepare", "--set data.train_files=" + r.dir.file("huge.txt"));
  EXPECT_EQ(h.exit_code, 0) << h.output;
  auto m = nlohmann::json::parse(read_text(r.run_dir + "/data/manifest.json"));
  EXPECT_EQ(m["stats"]["documents"], 1);
  EXPECT_EQ(m["stats"]["sentences"], 5000);
}

TEST(PrepareE2E, BadCorpusInputs) {
  PrepRun r;
  ASSERT_EQ(r.run("tokenizer").exit_code, 0);
  const std::string data = r.run_dir + "/data";

  auto missing = r.run("prepare", "--set data.train_files=" + r.dir.file("nope.txt"));
  EXPECT_EQ(missing.exit_code, 1) << missing.output;
  EXPECT_NE(error_line(missing).find("nope.txt: no such file"), std::string::npos)
      << missing.output;

  write_text(r.dir.file("empty.txt"), "\n\n\n");
  auto empty = r.run("prepare", "--set data.train_files=" + r.dir.file("empty.txt"));
  EXPECT_EQ(empty.exit_code, 1) << empty.output;
  EXPECT_NE(error_line(empty).find("the corpus is empty"), std::string::npos) << empty.output;

  write_text(r.dir.file("bad.txt"), "Good.\nAlso good.\nBad \xC3\x28 here.\n");
  auto utf = r.run("prepare", "--set data.train_files=" + r.dir.file("bad.txt"));
  EXPECT_EQ(utf.exit_code, 1) << utf.output;
  EXPECT_NE(error_line(utf).find("bad.txt:3: invalid UTF-8"), std::string::npos) << utf.output;

  write_text(r.dir.file("long.txt"), "Short.\n" + std::string((1 << 20) + 1, 'z') + "\n");
  auto lng = r.run("prepare", "--set data.train_files=" + r.dir.file("long.txt"));
  EXPECT_EQ(lng.exit_code, 1) << lng.output;
  EXPECT_NE(error_line(lng).find("long.txt:2: line longer than 1 MiB"), std::string::npos)
      << lng.output;

  // None of the failures left anything behind.
  EXPECT_FALSE(stdfs::exists(data));

  auto replaced = r.run("prepare", "--set data.train_files=" + r.dir.file("bad.txt") +
                                       " --set data.invalid_utf8=replace");
  EXPECT_EQ(replaced.exit_code, 0) << replaced.output;
}

TEST(PrepareE2E, BadTokenizerInputs) {
  PrepRun r(150, "", 5000);
  auto big = r.run("tokenizer");
  EXPECT_EQ(big.exit_code, 2) << big.output;
  EXPECT_NE(error_line(big).find("tokenizer.vocab_size: too large for this corpus"),
            std::string::npos)
      << big.output;
  EXPECT_NE(error_line(big).find("<= "), std::string::npos) << big.output;
  EXPECT_FALSE(stdfs::exists(r.run_dir + "/tokenizer"));

  write_text(r.dir.file("plain.model"), "this is not a sentencepiece model");
  auto junk = r.run("tokenizer", "--set tokenizer.model=" + r.dir.file("plain.model"));
  EXPECT_EQ(junk.exit_code, 1) << junk.output;
  EXPECT_NE(error_line(junk).find("plain.model"), std::string::npos) << junk.output;

  auto prep = r.run("prepare");  // no tokenizer yet
  EXPECT_EQ(prep.exit_code, 1) << prep.output;
  EXPECT_NE(error_line(prep).find("bertforge tokenizer"), std::string::npos) << prep.output;
}

TEST(PrepareE2E, BadConfigs) {
  PrepRun r;
  write_text(r.dir.file("malformed.json"), "{\n  \"seed\": 1,\n  \"data\": {,}\n}\n");
  auto bad = run_bertforge("prepare --config " + r.dir.file("malformed.json"));
  EXPECT_EQ(bad.exit_code, 2) << bad.output;
  EXPECT_NE(bad.output.find("malformed.json:3"), std::string::npos) << bad.output;

  auto type = r.run("prepare", "--set data.threads=lots");
  EXPECT_EQ(type.exit_code, 2) << type.output;
  EXPECT_NE(type.output.find("data.threads: expected an integer"), std::string::npos)
      << type.output;

  auto unknown = r.run("tokenizer", "--set tokenizer.vocab_sise=100");
  EXPECT_EQ(unknown.exit_code, 2) << unknown.output;
  EXPECT_NE(unknown.output.find("did you mean 'tokenizer.vocab_size'?"), std::string::npos)
      << unknown.output;
  EXPECT_FALSE(stdfs::exists(r.run_dir + "/tokenizer"));
  EXPECT_FALSE(stdfs::exists(r.run_dir + "/data"));
}

}  // namespace
}  // namespace bertforge::testing
