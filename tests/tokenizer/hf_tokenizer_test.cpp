// HfTokenizer on hand-written tokenizer.json files: the golden ids and offsets are worked out by
// hand from the library's documented algorithms (tests/interop/tokenizer_json_test.py checks the
// same code against the real `tokenizers` on trained tokenizers). Bad files: one InputError
// naming the file and the JSON path.
#include "tokenizer/hf_tokenizer.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "errors/errors.h"
#include "tokenizer/tokenizer.h"

namespace bertforge {
namespace {
using json = nlohmann::json;

json bpe_json() {
  // Byte-level BPE: "Ġ" is the byte-level space. Merges: a b -> ab, ab c -> abc, Ġ a -> Ġa.
  json vocab = {{"<s>", 0},
                {"<pad>", 1},
                {"</s>", 2},
                {"<unk>", 3},
                {"<mask>", 4},
                {"a", 5},
                {"b", 6},
                {"c", 7},
                {"\xC4\xA0", 8},
                {"ab", 9},
                {"abc", 10},
                {"\xC4\xA0"
                 "a",
                 11}};
  return {
      {"version", "1.0"},
      {"added_tokens",
       {{{"id", 4},
         {"content", "<mask>"},
         {"lstrip", true},
         {"rstrip", false},
         {"single_word", false},
         {"normalized", false},
         {"special", true}}}},
      {"normalizer", nullptr},
      {"pre_tokenizer", {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"use_regex", true}}},
      {"post_processor",
       {{"type", "RobertaProcessing"},
        {"sep", {"</s>", 2}},
        {"cls", {"<s>", 0}},
        {"trim_offsets", true},
        {"add_prefix_space", false}}},
      {"decoder", {{"type", "ByteLevel"}}},
      {"model", {{"type", "BPE"}, {"vocab", vocab}, {"merges", {"a b", "ab c", "\xC4\xA0 a"}}}}};
}

using Offsets = std::vector<std::pair<size_t, size_t>>;

TEST(HfTokenizer, ByteLevelBpeMergesByRank) {
  const HfTokenizer t = HfTokenizer::parse(bpe_json().dump(), "t.json");
  // "abc ab": pre-tokens "abc", " ab"; in "Ġ a b" the merge "a b" (rank 0) beats "Ġ a" (rank 2):
  // [abc] [Ġ, ab]. trim_offsets leaves "Ġ" empty at (4, 4).
  HfTokenizer::Encoding e = t.encode("abc ab", false);
  EXPECT_EQ(e.ids, (std::vector<int>{10, 8, 9}));
  EXPECT_EQ(e.offsets, (Offsets{{0, 3}, {4, 4}, {4, 6}}));
  // "abc a": [abc] [Ġa]; trim_offsets drops the space of "Ġa": (4, 5), not (3, 5).
  e = t.encode("abc a", false);
  EXPECT_EQ(e.ids, (std::vector<int>{10, 11}));
  EXPECT_EQ(e.offsets, (Offsets{{0, 3}, {4, 5}}));
  e = t.encode("abc", true);
  EXPECT_EQ(e.ids, (std::vector<int>{0, 10, 2}));
  EXPECT_EQ(e.offsets, (Offsets{{0, 0}, {0, 3}, {0, 0}}));
  EXPECT_EQ(t.decode({10, 8, 9}), "abc ab");
}

TEST(HfTokenizer, AddedTokenWithLstripTakesTheSpace) {
  const HfTokenizer t = HfTokenizer::parse(bpe_json().dump(), "t.json");
  // "a <mask>": "a" then " <mask>" as one added token (lstrip); its text keeps the space, which
  // RobertaProcessing's trim_offsets then takes off the offsets: (2, 8).
  const HfTokenizer::Encoding e = t.encode("a <mask>", false);
  EXPECT_EQ(e.ids, (std::vector<int>{5, 4}));
  EXPECT_EQ(e.offsets, (Offsets{{0, 1}, {2, 8}}));
}

TEST(HfTokenizer, WordPieceGreedyLongestMatch) {
  json j = {{"normalizer", {{"type", "BertNormalizer"}, {"lowercase", true}}},
            {"pre_tokenizer", {{"type", "BertPreTokenizer"}}},
            {"model",
             {{"type", "WordPiece"},
              {"unk_token", "[UNK]"},
              {"vocab",
               {{"[PAD]", 0},
                {"[UNK]", 1},
                {"[CLS]", 2},
                {"[SEP]", 3},
                {"[MASK]", 4},
                {"un", 5},
                {"##aff", 6},
                {"##able", 7},
                {"!", 8}}}}}};
  const HfTokenizer t = HfTokenizer::parse(j.dump(), "wp.json");
  // "UNAffable! xyz": lowercased; "!" split off; "xyz" has no piece -> [UNK] for the word.
  const HfTokenizer::Encoding e = t.encode("UNAffable! xyz", false);
  EXPECT_EQ(e.ids, (std::vector<int>{5, 6, 7, 8, 1}));
  EXPECT_EQ(e.offsets, (Offsets{{0, 2}, {2, 5}, {5, 9}, {9, 10}, {11, 14}}));
  EXPECT_TRUE(t.is_word_start(5));
  EXPECT_FALSE(t.is_word_start(6));
}

TEST(HfTokenizer, UnigramViterbiAndFusedUnknowns) {
  // "▁ab": "▁ab" -3 beats "▁a" + "b" = -5 and "▁" + "ab" = -4.5. Unknown chars score the lowest
  // score minus 10 (-14).
  json j = {{"pre_tokenizer",
             {{"type", "Metaspace"},
              {"replacement", "\xE2\x96\x81"},
              {"prepend_scheme", "always"},
              {"split", true}}},
            {"model", {{"type", "Unigram"}, {"unk_id", 1}, {"vocab", json::array()}}}};
  const std::pair<const char*, double> pieces[] = {{"<pad>", 0},
                                                   {"<unk>", 0},
                                                   {"<s>", 0},
                                                   {"</s>", 0},
                                                   {"<mask>", 0},
                                                   {"\xE2\x96\x81", -2.0},
                                                   {"\xE2\x96\x81"
                                                    "a",
                                                    -1.0},
                                                   {"b", -4.0},
                                                   {"ab", -2.5},
                                                   {"\xE2\x96\x81"
                                                    "ab",
                                                    -3.0}};
  for (const auto& [p, score] : pieces) j["model"]["vocab"].push_back(json::array({p, score}));
  const HfTokenizer t = HfTokenizer::parse(j.dump(), "u.json");
  HfTokenizer::Encoding e = t.encode("ab", false);
  EXPECT_EQ(e.ids, (std::vector<int>{9}));
  // "ab xy": "▁ab", then "▁" and the unknown "x" "y" fused into one <unk> (offsets 3-5).
  e = t.encode("ab xy", false);
  EXPECT_EQ(e.ids, (std::vector<int>{9, 5, 1}));
  EXPECT_EQ(e.offsets, (Offsets{{0, 2}, {2, 3}, {3, 5}}));
}

TEST(HfTokenizer, ByteFallbackSpellsUnknownCharsAsBytes) {
  json vocab = {{"<unk>", 0}, {"<s>", 1}, {"</s>", 2}, {"<pad>", 3}, {"<mask>", 4}, {"a", 5}};
  for (int b : {0xC3, 0xA9}) vocab[b == 0xC3 ? "<0xC3>" : "<0xA9>"] = vocab.size();
  json j = {{"model",
             {{"type", "BPE"},
              {"unk_token", "<unk>"},
              {"byte_fallback", true},
              {"vocab", vocab},
              {"merges", json::array()}}}};
  const HfTokenizer t = HfTokenizer::parse(j.dump(), "b.json");
  // "aéz": a, é as <0xC3> <0xA9>, z has byte 0x7A absent -> <unk>.
  EXPECT_EQ(t.encode("a\xC3\xA9z", false).ids, (std::vector<int>{5, 6, 7, 0}));
}

std::string error_of(const json& j) {
  try {
    HfTokenizer::parse(j.dump(), "bad/tokenizer.json");
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

TEST(HfTokenizer, BadFilesNameTheJsonPath) {
  json j = bpe_json();
  j["model"]["merges"][1] = "ab zz";
  EXPECT_NE(error_of(j).find("model.merges[1]"), std::string::npos) << error_of(j);
  EXPECT_NE(error_of(j).find("bad/tokenizer.json"), std::string::npos);
  j = bpe_json();
  j["normalizer"] = {{"type", "Nmt"}};  // a type of the library that bertforge does not implement
  EXPECT_NE(error_of(j).find("normalizer.type"), std::string::npos);
  EXPECT_NE(error_of(j).find("Nmt"), std::string::npos);
  j = bpe_json();  // a character map that is not base64, then one too short to hold its size
  j["normalizer"] = {{"type", "Precompiled"}, {"precompiled_charsmap", "not base64!"}};
  EXPECT_NE(error_of(j).find("normalizer.precompiled_charsmap: expected base64"), std::string::npos)
      << error_of(j);
  j["normalizer"]["precompiled_charsmap"] = "AAAA";
  EXPECT_NE(error_of(j).find("shorter than its 4-byte size field"), std::string::npos)
      << error_of(j);
  j = bpe_json();
  j["model"]["vocab"] = json::array({"a"});
  EXPECT_NE(error_of(j).find("model.vocab: expected an object"), std::string::npos) << error_of(j);
  j = bpe_json();
  j["added_tokens"].push_back(j["added_tokens"][0]);
  EXPECT_NE(error_of(j).find("added_tokens[1]: \"<mask>\" is added twice"), std::string::npos)
      << error_of(j);
  j = bpe_json();
  j["model"]["vocab"]["zz"] = 1LL << 40;
  EXPECT_NE(error_of(j).find("model.vocab.zz"), std::string::npos) << error_of(j);
  j = bpe_json();
  j["model"]["vocab"]["gap"] = 40;
  EXPECT_NE(error_of(j).find("no token has id 12"), std::string::npos) << error_of(j);
  j = bpe_json();
  j["pre_tokenizer"] = {
      {"type", "Split"}, {"pattern", {{"Regex", "(a"}}}, {"behavior", "Isolated"}};
  EXPECT_NE(error_of(j).find("pre_tokenizer.pattern.Regex"), std::string::npos) << error_of(j);
  EXPECT_NE(error_of(json::parse("{\"model\": 3}")).find("at model"), std::string::npos);
}

TEST(HfTokenizer, IsATokenizerKindWithSpecialsByName) {
  const Tokenizer tok = Tokenizer::from_bytes(bpe_json().dump(), "t.json");
  EXPECT_STREQ(tok.kind(), "tokenizer.json");
  EXPECT_EQ(tok.specials().cls, 0);
  EXPECT_EQ(tok.specials().sep, 2);
  EXPECT_EQ(tok.specials().mask, 4);
  EXPECT_EQ(tok.specials().pad, 1);
  EXPECT_EQ(tok.specials().unk, 3);
  EXPECT_EQ(tok.vocab_size(), 12);
  EXPECT_EQ(tok.encode("abc ab"), (std::vector<int>{10, 8, 9}));
  WordCache cache;
  std::vector<int> ids;
  tok.encode_into("abc ab abc ab", &ids, &cache);
  tok.encode_into("abc ab abc ab", &ids, &cache);  // from the memo
  EXPECT_EQ(ids, (std::vector<int>{10, 8, 9, 8, 10, 8, 9}));
  EXPECT_TRUE(tok.is_word_start(11));  // "Ġa"
  EXPECT_FALSE(tok.is_word_start(6));  // "b"
}

}  // namespace
}  // namespace bertforge
