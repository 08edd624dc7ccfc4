#include "tokenizer/tokenizer.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "config/config.h"
#include "errors/errors.h"
#include "fs/checksum.h"
#include "fs/fs.h"
#include "testutil.h"
#include "tokenizer/spm_library.h"
#include "tokenizer/tokenizer_stage.h"

namespace bertforge {
namespace {

using testing::TempDir;

Config small_config(const TempDir& tmp, int vocab = 300) {
  Config c;
  c.run_dir = tmp.file("run");
  c.data.train_files = {tmp.file("corpus.txt")};
  c.tokenizer.vocab_size = vocab;
  c.tokenizer.threads = 2;
  testing::write_corpus(tmp.file("corpus.txt"), 200, 1);
  return c;
}

template <class E>
std::string error_of(const Config& c) {
  try {
    run_tokenizer_stage(TokenizerJob::of(c));
  } catch (const E& e) {
    return e.what();
  }
  return "";
}

TEST(TokenizerTest, TrainsWithFixedSpecials) {
  TempDir tmp;
  Config c = small_config(tmp);
  EXPECT_TRUE(run_tokenizer_stage(TokenizerJob::of(c)));
  const std::string model = tokenizer_model_path(c.run_dir);
  EXPECT_EQ(model, tmp.file("run") + "/tokenizer/spm.model");
  Tokenizer t = Tokenizer::load(model);
  EXPECT_EQ(t.vocab_size(), 300);
  const char* want[] = {"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"};
  for (int id = 0; id < 5; ++id) EXPECT_EQ(t.id_to_piece(id), want[id]);
  EXPECT_EQ(t.piece_to_id("[MASK]"), 4);
  EXPECT_EQ(t.piece_to_id("no-such-piece"), kUnkId);
  // Byte fallback pieces follow the specials.
  EXPECT_EQ(t.id_to_piece(5), "<0x00>");
  EXPECT_EQ(t.checksum(), sha256_file(model));
  EXPECT_EQ(t.path(), model);

  // tokenizer.json records the checksum and the inputs.
  auto info = nlohmann::json::parse(testing::read_text(tokenizer_info_path(c.run_dir)));
  EXPECT_EQ(info["checksum"], t.checksum());
  EXPECT_EQ(info["source"], "trained");
  EXPECT_EQ(info["inputs"]["tokenizer"]["vocab_size"], 300);
  EXPECT_EQ(read_tokenizer_checksum(c.run_dir), t.checksum());
  EXPECT_TRUE(fs::exists(tmp.file("run/tokenizer/spm.vocab")));
}

TEST(TokenizerTest, EncodesAndDecodes) {
  TempDir tmp;
  Config c = small_config(tmp);
  run_tokenizer_stage(TokenizerJob::of(c));
  Tokenizer t = Tokenizer::load(tokenizer_model_path(c.run_dir));
  const std::string text = "The old dog saw a happy farmer by the river.";
  std::vector<int> ids = t.encode(text);
  ASSERT_FALSE(ids.empty());
  for (int id : ids) EXPECT_GE(id, kNumSpecials);
  EXPECT_EQ(t.decode(ids), text);
  std::vector<int> into = {99, 98};
  t.encode_into(text, &into);
  EXPECT_EQ(into, ids);
  // Specials are not produced from raw text, but are shown when decoding.
  for (int id : t.encode("[MASK] [CLS]")) EXPECT_GE(id, kNumSpecials);
  std::vector<int> with = {kClsId};
  with.insert(with.end(), ids.begin(), ids.end());
  with.push_back(kSepId);
  EXPECT_EQ(t.decode(with), "[CLS] " + text + " [SEP]");
  // Characters never seen fall back to bytes: no [UNK].
  for (int id : t.encode("\xE2\x98\x83")) EXPECT_NE(id, kUnkId);
}

TEST(TokenizerTest, WordByWordEncodingMatchesWholeSentences) {
  TempDir tmp;
  Config c = small_config(tmp);
  run_tokenizer_stage(TokenizerJob::of(c));
  const std::string model = tokenizer_model_path(c.run_dir);
  Tokenizer t = Tokenizer::load(model);
  EXPECT_TRUE(t.encodes_per_word());
  // SentencePiece itself, encoding whole sentences.
  auto whole = spm::library().new_model();
  ASSERT_EQ(whole->load(testing::read_text(model)), "");
  WordCache cache(50);  // small, so that it starts over during the test
  std::vector<int> ref, cached;
  testing::write_corpus(tmp.file("other.txt"), 100, 77);
  std::string text = testing::read_text(tmp.file("other.txt"));
  text += "  Leading and   inner  spaces. \t Tabs\tinside.\nUnseen \xE2\x98\x83 snowman.\n";
  size_t start = 0, lines = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    const std::string line = text.substr(start, end - start);
    start = end + 1;
    whole->encode(line, &ref);
    EXPECT_EQ(t.encode(line), ref) << line;
    t.encode_into(line, &cached, &cache);
    EXPECT_EQ(cached, ref) << line;
    ++lines;
  }
  EXPECT_GT(lines, 500u);
}

TEST(TokenizerTest, WordStartTable) {
  TempDir tmp;
  Config c = small_config(tmp);
  run_tokenizer_stage(TokenizerJob::of(c));
  Tokenizer t = Tokenizer::load(tokenizer_model_path(c.run_dir));
  const auto& table = t.word_start_table();
  ASSERT_EQ(table.size(), 300u);
  for (int id = 0; id < 5; ++id) EXPECT_TRUE(t.is_word_start(id));
  EXPECT_TRUE(t.is_word_start(5));  // <0x00>
  int starts = 0, inner = 0;
  for (int id = 5 + 256; id < t.vocab_size(); ++id) {
    const std::string p = t.id_to_piece(id);
    const bool marker = p.rfind("\xE2\x96\x81", 0) == 0;
    EXPECT_EQ(t.is_word_start(id), marker) << p;
    (marker ? starts : inner)++;
  }
  EXPECT_GT(starts, 0);
  EXPECT_GT(inner, 0);
  EXPECT_FALSE(t.is_word_start(-1));
  EXPECT_FALSE(t.is_word_start(300));
}

TEST(TokenizerTest, SkipsWhenUpToDateAndRetrainsOnChange) {
  TempDir tmp;
  Config c = small_config(tmp);
  EXPECT_TRUE(run_tokenizer_stage(TokenizerJob::of(c)));
  const std::string first = sha256_file(tokenizer_model_path(c.run_dir));
  EXPECT_FALSE(run_tokenizer_stage(TokenizerJob::of(c)));
  c.tokenizer.vocab_size = 320;
  EXPECT_TRUE(run_tokenizer_stage(TokenizerJob::of(c)));
  EXPECT_EQ(Tokenizer::load(tokenizer_model_path(c.run_dir)).vocab_size(), 320);
  EXPECT_NE(sha256_file(tokenizer_model_path(c.run_dir)), first);
  // A corrupted model is noticed and rebuilt.
  testing::write_text(tokenizer_model_path(c.run_dir), "garbage");
  EXPECT_TRUE(run_tokenizer_stage(TokenizerJob::of(c)));
  EXPECT_EQ(Tokenizer::load(tokenizer_model_path(c.run_dir)).vocab_size(), 320);
}

// tokenizer.lowercase: the trained model folds case when encoding (an uncased model); a cased one
// keeps "The" and "the" apart. Changing the key retrains.
TEST(TokenizerTest, LowercaseFoldsCaseInTheModel) {
  TempDir tmp;
  Config c = small_config(tmp);
  EXPECT_TRUE(run_tokenizer_stage(TokenizerJob::of(c)));
  Tokenizer cased = Tokenizer::load(tokenizer_model_path(c.run_dir));
  EXPECT_NE(cased.encode("THE OLD DOG"), cased.encode("the old dog"));
  EXPECT_EQ(cased.decode(cased.encode("The old dog.")), "The old dog.");

  c.tokenizer.lowercase = true;
  EXPECT_TRUE(run_tokenizer_stage(TokenizerJob::of(c)));  // an input changed: retrained
  Tokenizer uncased = Tokenizer::load(tokenizer_model_path(c.run_dir));
  EXPECT_EQ(uncased.encode("THE OLD DOG"), uncased.encode("the old dog"));
  EXPECT_EQ(uncased.decode(uncased.encode("The Old Dog.")), "the old dog.");
  for (int i = kNumSpecials; i < uncased.vocab_size(); ++i) {
    const std::string piece = uncased.id_to_piece(i);
    if (piece.size() > 1 && piece.rfind("<0x", 0) != 0)  // not a byte piece
      EXPECT_EQ(piece.find_first_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ"), std::string::npos) << piece;
  }
  EXPECT_FALSE(run_tokenizer_stage(TokenizerJob::of(c)));  // up to date

  // With an adopted model the key would do nothing: the config is refused.
  c.tokenizer.model = tokenizer_model_path(c.run_dir);
  try {
    validate(c);
    ADD_FAILURE() << "tokenizer.lowercase with tokenizer.model was accepted";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("tokenizer.lowercase"), std::string::npos) << e.what();
  }
}

TEST(TokenizerTest, BpeAndJsonl) {
  TempDir tmp;
  Config c = small_config(tmp);
  testing::write_corpus_jsonl(tmp.file("corpus.jsonl"), 200, 1);
  c.data.train_files = {tmp.file("corpus.jsonl")};
  c.data.format = "jsonl";
  c.tokenizer.type = "bpe";
  EXPECT_TRUE(run_tokenizer_stage(TokenizerJob::of(c)));
  Tokenizer t = Tokenizer::load(tokenizer_model_path(c.run_dir));
  EXPECT_EQ(t.vocab_size(), 300);
  EXPECT_EQ(t.id_to_piece(kMaskId), "[MASK]");
  EXPECT_EQ(t.decode(t.encode("A brave king heard the bird.")), "A brave king heard the bird.");
}

TEST(TokenizerTest, AdoptsAModelWithTheSpecials) {
  TempDir tmp;
  Config c = small_config(tmp);
  run_tokenizer_stage(TokenizerJob::of(c));
  fs::make_dirs(tmp.file("elsewhere"));
  const std::string adopted = tmp.file("elsewhere/my.model");
  testing::write_text(adopted, testing::read_text(tokenizer_model_path(c.run_dir)));
  Config a;
  a.run_dir = tmp.file("run2");
  a.tokenizer.model = adopted;
  EXPECT_TRUE(run_tokenizer_stage(TokenizerJob::of(a)));
  EXPECT_EQ(sha256_file(tokenizer_model_path(a.run_dir)), sha256_file(adopted));
  auto info = nlohmann::json::parse(testing::read_text(tokenizer_info_path(a.run_dir)));
  EXPECT_EQ(info["source"], "adopted");
  EXPECT_FALSE(run_tokenizer_stage(TokenizerJob::of(a)));
}

TEST(TokenizerTest, RejectsAModelWithoutTheSpecials) {
  TempDir tmp;
  testing::write_corpus(tmp.file("corpus.txt"), 100, 3);
  // A plain SentencePiece model: <unk> <s> </s> at ids 0-2.
  const std::string prefix = tmp.file("plain");
  // Made by Debian's spm_train, the upstream tool (package sentencepiece).
  const std::string cmd = "spm_train --input=" + tmp.file("corpus.txt") +
                          " --model_prefix=" + prefix +
                          " --vocab_size=60 --minloglevel=2 > /dev/null 2>&1";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  Config c;
  c.run_dir = tmp.file("run");
  c.tokenizer.model = prefix + ".model";
  std::string e = error_of<InputError>(c);
  EXPECT_NE(e.find(prefix + ".model: missing special piece [PAD] at id 0 (found '<unk>')"),
            std::string::npos)
      << e;
  EXPECT_FALSE(fs::exists(tmp.file("run")));
  try {
    Tokenizer::load(prefix + ".model");
    FAIL();
  } catch (const InputError& err) {
    EXPECT_NE(std::string(err.what()).find("[PAD]"), std::string::npos);
  }
  testing::write_text(tmp.file("junk.model"), "not a model");
  c.tokenizer.model = tmp.file("junk.model");
  e = error_of<InputError>(c);
  EXPECT_NE(e.find("junk.model: not a SentencePiece model"), std::string::npos) << e;
  c.tokenizer.model = tmp.file("missing.model");
  e = error_of<InputError>(c);
  EXPECT_NE(e.find("missing.model: no such file"), std::string::npos) << e;
}

TEST(TokenizerTest, VocabTooLargeNamesTheKeyAndAMaximum) {
  TempDir tmp;
  Config c = small_config(tmp, 5000);
  std::string e = error_of<ConfigError>(c);
  EXPECT_NE(e.find("tokenizer.vocab_size: too large for this corpus (got 5000"), std::string::npos)
      << e;
  EXPECT_NE(e.find("set tokenizer.vocab_size <= "), std::string::npos) << e;
  EXPECT_EQ(e.find('\n'), std::string::npos);
  EXPECT_FALSE(fs::exists(c.run_dir));
  // The suggested maximum works.
  const size_t at = e.find("<= ") + 3;
  c.tokenizer.vocab_size = std::stoi(e.substr(at));
  EXPECT_TRUE(run_tokenizer_stage(TokenizerJob::of(c)));
}

TEST(TokenizerTest, VocabTooSmallForTheCharacters) {
  TempDir tmp;
  Config c = small_config(tmp, 16);
  std::string e = error_of<ConfigError>(c);
  EXPECT_NE(e.find("tokenizer.vocab_size: too small"), std::string::npos) << e;
}

TEST(TokenizerTest, InputErrors) {
  TempDir tmp;
  Config c = small_config(tmp);
  testing::write_text(tmp.file("empty.txt"), "\n\n  \n");
  c.data.train_files = {tmp.file("empty.txt")};
  std::string e = error_of<InputError>(c);
  EXPECT_NE(e.find("empty.txt: the corpus is empty"), std::string::npos) << e;

  c.data.train_files = {tmp.file("nope-*.txt")};
  e = error_of<InputError>(c);
  EXPECT_NE(e.find("nope-*.txt: no such file (from data.train_files)"), std::string::npos) << e;

  testing::write_text(tmp.file("bad.txt"), "Good line.\nBad \xFF line.\n");
  c.data.train_files = {tmp.file("bad.txt")};
  e = error_of<InputError>(c);
  EXPECT_NE(e.find("bad.txt:2: invalid UTF-8"), std::string::npos) << e;

  c.data.train_files = {};
  e = error_of<ConfigError>(c);
  EXPECT_NE(e.find("data.train_files"), std::string::npos) << e;
  EXPECT_FALSE(fs::exists(c.run_dir));
}

}  // namespace
}  // namespace bertforge
