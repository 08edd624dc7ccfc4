// The tokenizer.json of an export (hf/hf_export.h), read back by bertforge's own
// tokenizer.json reader (separate code, itself checked against the real `tokenizers`): the same
// ids as the exported tokenizer, with [CLS]/[SEP] from the template. The SentencePiece protobuf
// reader on a model trained here and on hand-made bytes. tests/interop/hf_models_test.py loads
// exports in the real transformers.
#include "hf/hf_export.h"

#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "errors/errors.h"
#include "testutil.h"
#include "tokenizer/hf_tokenizer.h"
#include "tokenizer/spm_proto.h"
#include "tokenizer/tokenizer.h"
#include "tokenizer/wordpiece.h"

namespace bertforge {
namespace {
using json = nlohmann::json;
using testing::TempDir;

Tokenizer small_wordpiece() {
  WordPieceOptions o;
  return Tokenizer::from_wordpiece(
      WordPiece::from_tokens({"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "hello", "##s", "the",
                              ",", "cafe", "world"},
                             o),
      "(test)");
}

std::vector<int> ids_with_specials(const Tokenizer& exported, const std::string& text) {
  Tokenizer back = Tokenizer::from_hf(hf_tokenizer_json(exported), "tokenizer.json");
  return back.hf()->encode(text, true).ids;
}

TEST(HfExport, WordPieceAsTokenizerJson) {
  Tokenizer t = small_wordpiece();
  const json j = json::parse(hf_tokenizer_json(t));
  EXPECT_EQ(j["model"]["type"], "WordPiece");
  EXPECT_EQ(j["model"]["vocab"]["##s"], 6);
  EXPECT_EQ(j["normalizer"]["type"], "BertNormalizer");
  EXPECT_EQ(j["normalizer"]["lowercase"], true);
  EXPECT_EQ(j["pre_tokenizer"]["type"], "BertPreTokenizer");
  ASSERT_EQ(j["added_tokens"].size(), 5u);
  EXPECT_EQ(j["added_tokens"][4]["content"], "[MASK]");
  // "Hellos, Café [MASK] world": lowercased, accents stripped, punctuation split; the added
  // [MASK] kept whole; [CLS] ... [SEP] from the template.
  EXPECT_EQ(ids_with_specials(t, "Hellos, Café [MASK] world"),
            (std::vector<int>{2, 5, 6, 8, 9, 4, 10, 3}));
  // Pairs: B after one [SEP] with type 1, or RoBERTa's double separator with type 0.
  EXPECT_EQ(j["post_processor"]["pair"].size(), 5u);
  EXPECT_EQ(j["post_processor"]["pair"][3]["Sequence"]["type_id"], 1);
  const json r = json::parse(hf_tokenizer_json(t, /*roberta_pairs=*/true));
  ASSERT_EQ(r["post_processor"]["pair"].size(), 6u);
  EXPECT_EQ(r["post_processor"]["pair"][3]["SpecialToken"]["id"], "[SEP]");
  EXPECT_EQ(r["post_processor"]["pair"][4]["Sequence"]["type_id"], 0);
}

TEST(HfExport, FilesOfEachKind) {
  auto names = [](const std::vector<std::pair<std::string, std::string>>& files) {
    std::vector<std::string> out;
    for (const auto& f : files) out.push_back(f.first);
    return out;
  };
  const auto wp = hf_tokenizer_files(small_wordpiece(), 128);
  EXPECT_EQ(names(wp),
            (std::vector<std::string>{"vocab.txt", "tokenizer.json", "tokenizer_config.json",
                                      "special_tokens_map.json"}));
  EXPECT_EQ(wp[0].second.substr(0, 12), "[PAD]\n[UNK]\n");
  const json config = json::parse(wp[2].second);
  EXPECT_EQ(config["tokenizer_class"], "BertTokenizer");
  EXPECT_EQ(config["model_max_length"], 128);
  // An adopted tokenizer.json is copied as it is, with the generic fast class.
  const std::string text = hf_tokenizer_json(small_wordpiece());
  Tokenizer adopted = Tokenizer::from_hf(text, "tokenizer.json");
  const auto hf = hf_tokenizer_files(adopted, 64);
  EXPECT_EQ(names(hf), (std::vector<std::string>{"tokenizer.json", "tokenizer_config.json",
                                                 "special_tokens_map.json"}));
  EXPECT_EQ(hf[0].second, text);
  EXPECT_EQ(json::parse(hf[1].second)["tokenizer_class"], "PreTrainedTokenizerFast");
}

TEST(HfExport, SentencePieceUnigramAsTokenizerJson) {
  TempDir tmp;
  Tokenizer t = Tokenizer::load(testing::train_small_tokenizer(tmp, 200));
  const SpmProto m = parse_spm_proto(t.model_bytes(), t.path());
  EXPECT_EQ(m.model_type, 1);
  ASSERT_EQ(static_cast<int>(m.pieces.size()), t.vocab_size());
  EXPECT_EQ(m.pieces[4].piece, "[MASK]");
  EXPECT_EQ(m.pieces[4].type, SpmProto::kControl);
  EXPECT_EQ(m.pieces[5].type, SpmProto::kByte);  // byte fallback follows the specials
  EXPECT_TRUE(m.byte_fallback);
  EXPECT_EQ(m.normalizer_name, "nmt_nfkc");
  EXPECT_FALSE(m.precompiled_charsmap.empty());
  for (int id = 5; id < t.vocab_size(); id += 37) EXPECT_EQ(m.pieces[id].score, t.score(id));
  // Trained unigram scores lie on the 2^-7 grid (round_spm_scores), none left unrounded.
  int off_grid = 0, nonzero = 0;
  for (const auto& p : m.pieces) {
    off_grid += p.score * 128 != std::round(p.score * 128);
    nonzero += p.score != 0;
  }
  EXPECT_EQ(off_grid, 0);
  EXPECT_GT(nonzero, 30);  // 300 = 5 specials + 256 bytes (score 0) + the rest
  // The export's class is the fast tokenizer built from tokenizer.json, spiece.model beside it.
  const auto files = hf_tokenizer_files(t, 64);
  ASSERT_EQ(files.size(), 4u);
  EXPECT_EQ(files[0].first, "spiece.model");
  EXPECT_EQ(json::parse(files[2].second)["tokenizer_class"], "PreTrainedTokenizerFast");
  const json j = json::parse(hf_tokenizer_json(t));
  EXPECT_EQ(j["model"]["type"], "Unigram");
  EXPECT_EQ(j["model"]["unk_id"], 1);
  EXPECT_EQ(j["model"]["vocab"].size(), 300u);
  EXPECT_EQ(j["normalizer"]["normalizers"][0]["type"], "Precompiled");
  EXPECT_EQ(j["pre_tokenizer"]["prepend_scheme"], "always");
  // Two separate paths give the same ids: the SentencePiece kind (the map applied by bertforge,
  // then SentencePiece's Viterbi) and the export read back as tokenizer.json (Precompiled, Replace,
  // Metaspace, bertforge's Unigram), also on clusters with grapheme extenders and control chars.
  const Tokenizer back = Tokenizer::from_hf(hf_tokenizer_json(t), "tokenizer.json");
  for (const char* text :
       {"The cell bound it.", "  two  spaces\tand a tab ", "\xEF\xBD\xB6\xCC\x81 caf\xC3\xA9",
        "e\xCC\x81\xCC\x82 \xEF\xAC\x81x \xE2\x91\xA0\xCC\x88",
        "\xF0\x9F\x91\x8D\xF0\x9F\x8F\xBD \xF0\x9F\x91\xA8\xE2\x80\x8D\xF0\x9F\x91\xA9",
        "a\x01b\r\nc\xE3\x80\x80d", "\xE0\xA4\x95\xE0\xA5\x8D\xE0\xA4\xB7"})
    EXPECT_EQ(back.hf()->encode(text, false).ids, t.encode(text)) << text;
}

std::string varint(uint64_t v) {
  std::string out;
  do {
    out += static_cast<char>((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
    v >>= 7;
  } while (v);
  return out;
}
std::string field(int number, const std::string& bytes) {
  return varint(uint64_t(number) << 3 | 2) + varint(bytes.size()) + bytes;
}

TEST(SpmProto, ReadsHandMadeBytesAndRefusesBrokenOnes) {
  // Piece "ab" (score 0.5f = 0x3f000000 little-endian, type 4); trainer spec model_type 2 (BPE);
  // normalizer spec: name "identity", add_dummy_prefix false.
  const std::string piece = field(1, "ab") + varint(2 << 3 | 5) + std::string("\0\0\0\x3f", 4) +
                            varint(3 << 3) + varint(4);
  const std::string bytes = field(1, piece) + field(2, varint(3 << 3) + varint(2)) +
                            field(3, field(1, "identity") + varint(3 << 3) + varint(0));
  const SpmProto m = parse_spm_proto(bytes, "x.model");
  ASSERT_EQ(m.pieces.size(), 1u);
  EXPECT_EQ(m.pieces[0].piece, "ab");
  EXPECT_EQ(m.pieces[0].score, 0.5f);
  EXPECT_EQ(m.pieces[0].type, SpmProto::kUserDefined);
  EXPECT_EQ(m.model_type, 2);
  EXPECT_EQ(m.normalizer_name, "identity");
  EXPECT_FALSE(m.add_dummy_prefix);
  EXPECT_TRUE(m.remove_extra_whitespaces);
  for (const std::string& bad : {bytes.substr(0, bytes.size() - 1), std::string("\x0f"),
                                 std::string("\x0a\xff"), std::string(""), field(2, "")}) {
    try {
      parse_spm_proto(bad, "x.model");
      ADD_FAILURE() << "accepted " << bad.size() << " bytes";
    } catch (const InputError& e) {
      EXPECT_NE(std::string(e.what()).find("x.model: not a SentencePiece model"), std::string::npos)
          << e.what();
    }
  }
}

}  // namespace
}  // namespace bertforge
