#include "data/prepare.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "config/config.h"
#include "corpus/corpus_reader.h"
#include "data/dataset.h"
#include "errors/errors.h"
#include "fs/checksum.h"
#include "fs/fs.h"
#include "testutil.h"
#include "tokenizer/tokenizer.h"
#include "tokenizer/tokenizer_stage.h"

namespace bertforge {
namespace {

using testing::TempDir;

// One tokenizer for the whole suite (training takes a moment).
class PrepareTest : public ::testing::Test {
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

  Config config(const std::vector<std::string>& files, const std::string& run = "run") {
    Config c;
    c.run_dir = tmp_.file(run);
    c.data.train_files = files;
    c.data.threads = 2;
    return c;
  }
  std::string error_of(const Config& c) {
    try {
      run_prepare(PrepareJob::of(c, model_));
    } catch (const Error& e) {
      return e.what();
    }
    return "";
  }
  nlohmann::json manifest(const Config& c) {
    return nlohmann::json::parse(testing::read_text(manifest_path(c.run_dir)));
  }
  // Every file of <run>/data/ and its bytes.
  std::map<std::string, std::string> data_files(const Config& c) {
    std::map<std::string, std::string> out;
    for (const auto& e : std::filesystem::directory_iterator(data_dir(c.run_dir)))
      out[e.path().filename().string()] = testing::read_text(e.path().string());
    return out;
  }

  static TempDir* tok_dir_;
  static std::string model_;
  TempDir tmp_;
};
TempDir* PrepareTest::tok_dir_ = nullptr;
std::string PrepareTest::model_;

// The documents of a split, decoded back to text.
std::vector<std::vector<std::string>> decoded(const Dataset& ds, const Tokenizer& t) {
  std::vector<std::vector<std::string>> docs;
  for (uint64_t d = 0; d < ds.num_docs(); ++d) {
    docs.emplace_back();
    for (uint64_t j = 0; j < ds.doc_num_sentences(d); ++j) {
      TokenSpan s = ds.sentence(d, j);
      std::vector<int> ids;
      for (uint32_t i = 0; i < s.size; ++i) ids.push_back(s[i]);
      docs.back().push_back(t.decode(ids));
    }
  }
  return docs;
}

std::vector<std::vector<std::string>> read_docs(const std::string& path) {
  CorpusReader r({path}, {});
  std::vector<std::vector<std::string>> docs;
  std::vector<std::string> doc;
  while (r.next_document(&doc)) docs.push_back(doc);
  return docs;
}

TEST_F(PrepareTest, SplitsWholeDocumentsAndRoundTrips) {
  testing::write_corpus(tmp_.file("c.txt"), 200, 5);
  Config c = config({tmp_.file("c.txt")});
  c.data.valid_fraction = 0.1;
  PrepareSummary s = run_prepare(PrepareJob::of(c, model_));
  EXPECT_FALSE(s.skipped);
  EXPECT_EQ(s.documents, 200u);
  EXPECT_EQ(s.train_documents + s.valid_documents, 200u);
  EXPECT_GT(s.valid_documents, 5u);  // ~20 expected
  EXPECT_LT(s.valid_documents, 45u);
  EXPECT_EQ(s.unknown_tokens, 0u);

  Tokenizer t = Tokenizer::load(model_);
  Dataset train = Dataset::open(data_dir(c.run_dir), "train", t.checksum());
  Dataset valid = Dataset::open(data_dir(c.run_dir), "valid", t.checksum());
  EXPECT_EQ(train.num_docs(), s.train_documents);
  EXPECT_EQ(valid.num_docs(), s.valid_documents);
  EXPECT_EQ(train.num_tokens() + valid.num_tokens(), s.tokens);
  EXPECT_EQ(train.vocab_size(), 300u);

  // Every corpus document is in exactly one split, whole, in corpus order within each split.
  auto corpus = read_docs(tmp_.file("c.txt"));
  auto tr = decoded(train, t), va = decoded(valid, t);
  std::vector<std::vector<std::string>> merged;
  size_t i = 0, j = 0;
  for (const auto& doc : corpus) {
    if (i < tr.size() && tr[i] == doc)
      merged.push_back(tr[i++]);
    else if (j < va.size() && va[j] == doc)
      merged.push_back(va[j++]);
  }
  EXPECT_EQ(merged, corpus);
  EXPECT_EQ(i, tr.size());
  EXPECT_EQ(j, va.size());

  auto m = manifest(c);
  EXPECT_EQ(m["format_version"], 1);
  EXPECT_EQ(m["tokenizer_checksum"], t.checksum());
  EXPECT_EQ(m["vocab_size"], 300);
  EXPECT_EQ(m["token_bytes"], 2);
  const auto& shard = m["splits"]["train"]["shards"][0];
  EXPECT_EQ(shard["sha256"],
            sha256_file(data_dir(c.run_dir) + "/" + shard["file"].get<std::string>()));
  EXPECT_EQ(m["stats"]["sentences"], s.sentences);
}

TEST_F(PrepareTest, ByteIdenticalForAnyThreadCount) {
  testing::write_corpus(tmp_.file("c.txt"), 400, 8);
  std::map<std::string, std::string> reference;
  for (int threads : {1, 2, 3}) {
    Config c = config({tmp_.file("c.txt")}, "run" + std::to_string(threads));
    c.data.threads = threads;
    c.data.shard_tokens = 3000;  // several shards
    run_prepare(PrepareJob::of(c, model_));
    auto files = data_files(c);
    EXPECT_GT(files.size(), 4u);
    if (reference.empty())
      reference = files;
    else
      EXPECT_TRUE(files == reference) << "threads=" << threads;
  }
}

TEST_F(PrepareTest, ReRunWithUnchangedInputsIsANoOp) {
  testing::write_corpus(tmp_.file("c.txt"), 50, 9);
  Config c = config({tmp_.file("c.txt")});
  PrepareSummary first = run_prepare(PrepareJob::of(c, model_));
  const auto mtime = fs::mtime_ns(manifest_path(c.run_dir));
  PrepareSummary again = run_prepare(PrepareJob::of(c, model_));
  EXPECT_TRUE(again.skipped);
  EXPECT_EQ(again.tokens, first.tokens);
  EXPECT_EQ(again.documents, first.documents);
  EXPECT_EQ(fs::mtime_ns(manifest_path(c.run_dir)), mtime);
  // The thread count does not matter for the output, so it does not invalidate it either.
  c.data.threads = 1;
  EXPECT_TRUE(run_prepare(PrepareJob::of(c, model_)).skipped);
  // Changed input: redone.
  testing::write_corpus(tmp_.file("c.txt"), 60, 9);
  PrepareSummary changed = run_prepare(PrepareJob::of(c, model_));
  EXPECT_FALSE(changed.skipped);
  EXPECT_EQ(changed.documents, 60u);
  // Changed split config: redone.
  c.data.valid_fraction = 0.2;
  EXPECT_FALSE(run_prepare(PrepareJob::of(c, model_)).skipped);
}

TEST_F(PrepareTest, InterruptedOutputIsRecognisedAndRedone) {
  testing::write_corpus(tmp_.file("c.txt"), 50, 9);
  Config c = config({tmp_.file("c.txt")});
  run_prepare(PrepareJob::of(c, model_));
  // As if killed before the manifest was written: shards and a temp file, no manifest.
  fs::remove_all(manifest_path(c.run_dir));
  testing::write_text(data_dir(c.run_dir) + "/train-00001.bin.tmp-123-0", "partial");
  try {
    Dataset::open(data_dir(c.run_dir), "train");
    FAIL() << "opened incomplete data";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("incomplete prepared data"), std::string::npos)
        << e.what();
  }
  EXPECT_FALSE(run_prepare(PrepareJob::of(c, model_)).skipped);
  auto files = data_files(c);
  EXPECT_EQ(files.count("train-00001.bin.tmp-123-0"), 0u);
  EXPECT_EQ(files.count("manifest.json"), 1u);
  EXPECT_NO_THROW(Dataset::open(data_dir(c.run_dir), "train"));
}

TEST_F(PrepareTest, TwoDocumentsStillGiveAValidationDocument) {
  testing::write_text(tmp_.file("c.txt"), "A dog saw the cat.\n\nThe king heard a bird.\n");
  Config c = config({tmp_.file("c.txt")});
  c.data.valid_fraction = 0.01;
  PrepareSummary s = run_prepare(PrepareJob::of(c, model_));
  EXPECT_EQ(s.train_documents, 1u);
  EXPECT_EQ(s.valid_documents, 1u);
  // And a fraction close to 1 still leaves a training document.
  c.data.valid_fraction = 0.99;
  s = run_prepare(PrepareJob::of(c, model_));
  EXPECT_EQ(s.train_documents, 1u);
  EXPECT_EQ(s.valid_documents, 1u);
}

TEST_F(PrepareTest, SeparateValidationFiles) {
  testing::write_corpus(tmp_.file("train.txt"), 30, 1);
  testing::write_corpus(tmp_.file("valid.txt"), 7, 2);
  Config c = config({tmp_.file("train.txt")});
  c.data.valid_files = {tmp_.file("valid.txt")};
  PrepareSummary s = run_prepare(PrepareJob::of(c, model_));
  EXPECT_EQ(s.train_documents, 30u);
  EXPECT_EQ(s.valid_documents, 7u);
  Tokenizer t = Tokenizer::load(model_);
  EXPECT_EQ(decoded(Dataset::open(data_dir(c.run_dir), "valid"), t),
            read_docs(tmp_.file("valid.txt")));
}

TEST_F(PrepareTest, JsonlGivesTheSameShardsAsText) {
  testing::write_corpus(tmp_.file("c.txt"), 80, 4);
  testing::write_corpus_jsonl(tmp_.file("c.jsonl"), 80, 4);
  Config a = config({tmp_.file("c.txt")}, "a");
  Config b = config({tmp_.file("c.jsonl")}, "b");
  b.data.format = "jsonl";
  run_prepare(PrepareJob::of(a, model_));
  run_prepare(PrepareJob::of(b, model_));
  auto fa = data_files(a), fb = data_files(b);
  fa.erase("manifest.json");
  fb.erase("manifest.json");
  EXPECT_TRUE(fa == fb);
}

TEST_F(PrepareTest, OneHugeDocumentWorks) {
  // 20000 sentences, no blank line: a single document, longer than a shard.
  std::string text;
  for (int i = 0; i < 20000; ++i) text += "The brave horse followed the dog near the house.\n";
  testing::write_text(tmp_.file("huge.txt"), text);
  Config c = config({tmp_.file("huge.txt")});
  c.data.shard_tokens = 50000;
  PrepareSummary s = run_prepare(PrepareJob::of(c, model_));
  EXPECT_EQ(s.documents, 1u);
  EXPECT_EQ(s.sentences, 20000u);
  EXPECT_EQ(s.valid_documents, 0u);  // a single document cannot be split
  Dataset train = Dataset::open(data_dir(c.run_dir), "train");
  EXPECT_EQ(train.num_sentences(), 20000u);
  EXPECT_EQ(train.num_tokens(), s.tokens);
  auto m = manifest(c);
  EXPECT_GT(m["splits"]["train"]["shards"].size(), 1u);
  EXPECT_EQ(m["splits"]["valid"]["shards"].size(), 0u);
  EXPECT_EQ(Dataset::open(data_dir(c.run_dir), "valid").num_docs(), 0u);
}

TEST_F(PrepareTest, BadInputsLeaveNoOutput) {
  Config c = config({tmp_.file("missing.txt")});
  std::string e = error_of(c);
  EXPECT_NE(e.find("missing.txt: no such file (from data.train_files)"), std::string::npos) << e;
  EXPECT_FALSE(fs::exists(c.run_dir));

  testing::write_text(tmp_.file("empty.txt"), "\n\n");
  c = config({tmp_.file("empty.txt")});
  e = error_of(c);
  EXPECT_NE(e.find("empty.txt: the corpus is empty"), std::string::npos) << e;
  EXPECT_FALSE(fs::exists(c.run_dir));

  testing::write_text(tmp_.file("bad.txt"), "Fine.\n\nThe dog \xC3 ran.\n");
  c = config({tmp_.file("bad.txt")});
  e = error_of(c);
  EXPECT_NE(e.find("bad.txt:3: invalid UTF-8"), std::string::npos) << e;
  EXPECT_FALSE(fs::exists(c.run_dir));
  c.data.invalid_utf8 = "replace";
  EXPECT_EQ(run_prepare(PrepareJob::of(c, model_)).sentences, 2u);

  testing::write_text(tmp_.file("long.txt"),
                      "Fine.\n" + std::string(kMaxLineBytes + 10, 'x') + "\n");
  c = config({tmp_.file("long.txt")}, "run-long");
  e = error_of(c);
  EXPECT_NE(e.find("long.txt:2: line longer than 1 MiB"), std::string::npos) << e;
  EXPECT_FALSE(fs::exists(c.run_dir));
}

TEST_F(PrepareTest, NeedsATokenizerWithTheSpecials) {
  testing::write_corpus(tmp_.file("c.txt"), 10, 1);
  Config c = config({tmp_.file("c.txt")});
  try {
    run_prepare(PrepareJob::of(c));  // the run's own tokenizer does not exist
    FAIL();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("run `bertforge tokenizer` first"), std::string::npos);
  }
  testing::write_text(tmp_.file("bad.model"), "not a model");
  try {
    run_prepare(PrepareJob::of(c, tmp_.file("bad.model")));
    FAIL();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("bad.model: not a SentencePiece model"),
              std::string::npos);
  }
  EXPECT_FALSE(fs::exists(data_dir(c.run_dir)));
}

TEST_F(PrepareTest, UsesTheRunsCompleteTokenizer) {
  testing::write_corpus(tmp_.file("c.txt"), 30, 1);
  Config c = config({tmp_.file("c.txt")});
  c.tokenizer.vocab_size = 300;
  run_tokenizer_stage(TokenizerJob::of(c));
  PrepareSummary s = run_prepare(PrepareJob::of(c));
  EXPECT_EQ(s.documents, 30u);
  EXPECT_EQ(manifest(c)["tokenizer_checksum"], read_tokenizer_checksum(c.run_dir));
  // A model that is not the one the tokenizer stage recorded (e.g. an interrupted stage).
  testing::write_text(tokenizer_model_path(c.run_dir), testing::read_text(model_));
  try {
    run_prepare(PrepareJob::of(c));
    FAIL();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("does not match the checksum in tokenizer.json"),
              std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace bertforge
