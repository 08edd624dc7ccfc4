// The Tokenizer of kind wordpiece: adopted from a vocab.txt and its tokenizer_config.json, specials
// found by name, held as one file, and adopted by the tokenizer stage. The pieces themselves are
// WordPiece's (tests/tokenizer/wordpiece_test.cpp); the ids here are hand-counted lines.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "config/config.h"
#include "errors/errors.h"
#include "fs/checksum.h"
#include "fs/fs.h"
#include "testutil.h"
#include "tokenizer/tokenizer.h"
#include "tokenizer/tokenizer_stage.h"
#include "tokenizer/wordpiece.h"

namespace bertforge {
namespace {

using testing::TempDir;

// Line i of the file is id i: the specials are neither at 0-4 nor in that order.
const char kVocab[] =
    "[PAD]\n"   // 0
    "the\n"     // 1
    "[UNK]\n"   // 2
    "dog\n"     // 3
    "[SEP]\n"   // 4
    "[CLS]\n"   // 5
    "##s\n"     // 6
    "[MASK]\n"  // 7
    "run\n"     // 8
    ".\n"       // 9
    "The\n";    // 10

std::string write_vocab(const TempDir& tmp, const std::string& tokenizer_config = "") {
  testing::write_text(tmp.file("vocab.txt"), kVocab);
  if (!tokenizer_config.empty())
    testing::write_text(tmp.file("tokenizer_config.json"), tokenizer_config);
  return tmp.file("vocab.txt");
}

TEST(TokenizerWordPiece, FindsTheSpecialsByName) {
  TempDir tmp;
  const Tokenizer tok = Tokenizer::load(write_vocab(tmp));
  EXPECT_STREQ(tok.kind(), "wordpiece");
  const SpecialIds& s = tok.specials();
  EXPECT_EQ(s.pad, 0);
  EXPECT_EQ(s.unk, 2);
  EXPECT_EQ(s.cls, 5);
  EXPECT_EQ(s.sep, 4);
  EXPECT_EQ(s.mask, 7);
  EXPECT_EQ(tok.vocab_size(), 11);
  EXPECT_EQ(tok.piece_to_id("no-such-piece"), 2);
  EXPECT_EQ(tok.id_to_piece(99), "[UNK]");
}

TEST(TokenizerWordPiece, UncasedByDefaultCasedFromTheConfig) {
  TempDir a, b;
  // BertTokenizer's defaults without a tokenizer_config.json: lowercase, accents stripped.
  EXPECT_EQ(Tokenizer::load(write_vocab(a)).encode("The dogs run."),
            (std::vector<int>{1, 3, 6, 8, 9}));
  const Tokenizer cased = Tokenizer::load(write_vocab(b, R"({"do_lower_case": false})"));
  EXPECT_FALSE(cased.wordpiece()->options().lowercase);
  EXPECT_FALSE(cased.wordpiece()->options().strip_accents) << "strip_accents follows lowercase";
  EXPECT_EQ(cased.encode("The dogs"), (std::vector<int>{10, 3, 6}));
  EXPECT_NE(cased.checksum(), Tokenizer::load(a.file("vocab.txt")).checksum());
}

TEST(TokenizerWordPiece, WordStartsAndDecode) {
  TempDir tmp;
  const Tokenizer tok = Tokenizer::load(write_vocab(tmp));
  EXPECT_TRUE(tok.is_word_start(3));
  EXPECT_FALSE(tok.is_word_start(6));
  EXPECT_TRUE(tok.is_word_start(5)) << "[CLS] starts a word";
  EXPECT_EQ(tok.decode({1, 3, 6, 8, 9}), "the dogs run .");
}

TEST(TokenizerWordPiece, OneFileFormRoundTrips) {
  TempDir tmp;
  const Tokenizer tok = Tokenizer::load(write_vocab(tmp));
  EXPECT_EQ(tok.checksum(), sha256_hex(tok.model_bytes()));
  const Tokenizer back = Tokenizer::from_bytes(tok.model_bytes(), "copy");
  EXPECT_EQ(back.checksum(), tok.checksum());
  EXPECT_EQ(back.model_bytes(), tok.model_bytes());
  EXPECT_EQ(back.encode("the dogs run."), tok.encode("the dogs run."));
  EXPECT_EQ(back.specials().mask, 7);
}

TEST(TokenizerWordPiece, AMissingSpecialNamesTheFile) {
  TempDir tmp;
  testing::write_text(tmp.file("vocab.txt"), "[PAD]\n[UNK]\n[CLS]\n[SEP]\nthe\n");
  try {
    Tokenizer::load(tmp.file("vocab.txt"));
    FAIL() << "no error";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find(tmp.file("vocab.txt")), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("[MASK]"), std::string::npos) << e.what();
  }
}

TEST(TokenizerWordPiece, TheStageAdoptsAVocabTxt) {
  TempDir tmp;
  Config c;
  c.run_dir = tmp.file("run");
  c.tokenizer.type = "wordpiece";
  c.tokenizer.model = write_vocab(tmp);
  EXPECT_TRUE(run_tokenizer_stage(TokenizerJob::of(c)));
  EXPECT_EQ(tokenizer_model_path(c.run_dir), fs::join(tokenizer_dir(c.run_dir), "wordpiece.json"));
  EXPECT_EQ(testing::read_text(fs::join(tokenizer_dir(c.run_dir), "vocab.txt")), kVocab);
  const Tokenizer tok = Tokenizer::load(tokenizer_model_path(c.run_dir));
  EXPECT_EQ(tok.checksum(), Tokenizer::load(c.tokenizer.model).checksum());
  EXPECT_EQ(read_tokenizer_checksum(c.run_dir), tok.checksum());
  EXPECT_FALSE(run_tokenizer_stage(TokenizerJob::of(c))) << "up to date";
  // A changed tokenizer_config.json is a changed tokenizer.
  testing::write_text(tmp.file("tokenizer_config.json"), R"({"do_lower_case": false})");
  EXPECT_TRUE(run_tokenizer_stage(TokenizerJob::of(c)));
  EXPECT_NE(read_tokenizer_checksum(c.run_dir), tok.checksum());
}

}  // namespace
}  // namespace bertforge
