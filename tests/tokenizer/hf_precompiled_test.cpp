// The Precompiled normalizer (tokenizer/hf_precompiled.h) on a character map laid out here by
// hand (darts-clone units computed on paper, below) and on the nmt_nfkc map of a SentencePiece
// model trained here. Expected texts and offsets are the real `tokenizers` 0.23's (printed by
// tokenizers.normalizers.Precompiled and a char-level WordLevel tokenizer over it); the interop
// test (tests/interop/tokenizer_json_test.py) compares thousands of probes.
#include "tokenizer/hf_precompiled.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "fs/base64.h"
#include "testutil.h"
#include "tokenizer/hf_tokenizer.h"
#include "tokenizer/spm_proto.h"
#include "tokenizer/tokenizer.h"

namespace bertforge::hf {
namespace {

// darts-clone units: a label unit (label, leaf flag, offset to its children's base) and a value
// unit (bit 31 and the value).
uint32_t label_unit(uint32_t label, bool leaf, uint32_t offset) {
  return (offset << 10) | (leaf ? 1u << 8 : 0u) | label;
}
uint32_t value_unit(uint32_t v) { return (1u << 31) | v; }

// Keys "A" -> "a", "A" U+0301 -> "Á", "ﬁ" (EF AC 81) -> "fi", over replacements "a\0fi\0Á\0".
// Root base 256; a child of base b for byte c sits at b ^ c and points to its own base; a leaf's
// value sits at its base. Bases: A 512, A+CC 1536, A+CC+81 1792, EF 768, EF+AC 1024, ﬁ 1280.
std::string hand_map() {
  std::vector<uint32_t> u(2048, 0);
  u[0] = label_unit(0, false, 256);
  u[256 ^ 0x41] = label_unit(0x41, true, (256 ^ 0x41) ^ 512);
  u[512] = value_unit(0);
  u[512 ^ 0xCC] = label_unit(0xCC, false, (512 ^ 0xCC) ^ 1536);
  u[1536 ^ 0x81] = label_unit(0x81, true, (1536 ^ 0x81) ^ 1792);
  u[1792] = value_unit(5);
  u[256 ^ 0xEF] = label_unit(0xEF, false, (256 ^ 0xEF) ^ 768);
  u[768 ^ 0xAC] = label_unit(0xAC, false, (768 ^ 0xAC) ^ 1024);
  u[1024 ^ 0x81] = label_unit(0x81, true, (1024 ^ 0x81) ^ 1280);
  u[1280] = value_unit(2);
  std::string out(4 + 4 * u.size(), '\0');
  auto put = [&](size_t at, uint32_t v) {
    for (int k = 0; k < 4; ++k) out[at + k] = static_cast<char>((v >> (8 * k)) & 0xff);
  };
  put(0, static_cast<uint32_t>(4 * u.size()));
  for (size_t i = 0; i < u.size(); ++i) put(4 + 4 * i, u[i]);
  return out + std::string("a\0fi\0\xC3\x81\0", 8);
}

TEST(Precompiled, ShortestKeyOfAClusterReplacesIt) {
  const auto m = PrecompiledCharsmap::parse(hand_map());
  EXPECT_EQ(m.first_match("A"), std::optional<std::string_view>("a"));
  EXPECT_EQ(m.first_match("A\xCC\x81xyz"), std::optional<std::string_view>("a"));  // shortest
  EXPECT_EQ(m.first_match("\xEF\xAC\x81"), std::optional<std::string_view>("fi"));
  EXPECT_FALSE(m.first_match("B"));
  EXPECT_FALSE(m.first_match(std::string("\0A", 2)));  // a lookup stops at NUL
  EXPECT_EQ(m.normalize("xAy"), "xay");
  EXPECT_EQ(m.normalize("\xEF\xAC\x81x"), "fix");
  // "A" + U+0301 is one cluster of 3 bytes: its shortest key "A" replaces all of it.
  EXPECT_EQ(m.normalize("A\xCC\x81!"), "a!");
  // "ﬁ" + U+0301, 5 bytes: the accent goes with the cluster.
  EXPECT_EQ(m.normalize("\xEF\xAC\x81\xCC\x81"), "fi");
  // "A" + three U+0301, 7 bytes: char by char.
  EXPECT_EQ(m.normalize("A\xCC\x81\xCC\x81\xCC\x81"), "a\xCC\x81\xCC\x81\xCC\x81");
  EXPECT_EQ(m.normalize("plain ascii"), "plain ascii");
}

TEST(Precompiled, AlignmentAsTheLibrary) {
  const auto m = PrecompiledCharsmap::parse(hand_map());
  // "ﬁx": f replaces ﬁ, i is inserted after it (ﬁ's range), x keeps its own.
  NormText t = NormText::original("\xEF\xAC\x81x");
  m.apply(t);
  ASSERT_EQ(t.text, "fix");
  EXPECT_EQ(t.to_original(0, 1).start, 0u);
  EXPECT_EQ(t.to_original(0, 1).end, 3u);
  EXPECT_EQ(t.to_original(1, 2).end, 3u);
  EXPECT_EQ(t.to_original(2, 3).start, 3u);
  // "A" U+0301 "x": a replaces the cluster and removes the accent; x keeps its own range.
  t = NormText::original("A\xCC\x81x");
  m.apply(t);
  ASSERT_EQ(t.text, "ax");
  EXPECT_EQ(t.to_original(1, 2).start, 3u);
}

TEST(Precompiled, HostileMapsAreRefused) {
  const std::string good = hand_map();
  auto error = [](const std::string& bytes) -> std::string {
    try {
      PrecompiledCharsmap::parse(bytes);
    } catch (const std::invalid_argument& e) {
      return e.what();
    }
    return "";
  };
  EXPECT_NE(error("abc").find("shorter"), std::string::npos);
  EXPECT_NE(error(good.substr(0, 100)).find("runs past"), std::string::npos);
  EXPECT_NE(error(std::string(4, '\0')).find("empty"), std::string::npos);
  std::string bad = good;
  bad.back() = '\xff';  // replacements not UTF-8
  bad[bad.size() - 2] = '\xff';
  EXPECT_NE(error(bad).find("UTF-8"), std::string::npos);
  bad = good;  // A's value points into the middle of "Á"
  bad[4 + 4 * 512] = 6;
  EXPECT_NE(error(bad).find("not the start"), std::string::npos) << error(bad);
  bad = good;  // the root's children at 4096, beyond the 2048 units
  bad[4 + 2] = 0x40;
  EXPECT_NE(error(bad).find("outside"), std::string::npos) << error(bad);
  EXPECT_EQ(error(good), "");
}

std::string json_with_precompiled(const std::string& charsmap) {
  nlohmann::json j = {
      {"version", "1.0"},
      {"added_tokens", nlohmann::json::array()},
      {"normalizer", {{"type", "Precompiled"}, {"precompiled_charsmap", base64_encode(charsmap)}}},
      {"pre_tokenizer",
       {{"type", "Split"},
        {"pattern", {{"Regex", "."}}},
        {"behavior", "Isolated"},
        {"invert", false}}},
      {"model",
       {{"type", "WordPiece"},
        {"vocab", {{"[UNK]", 0}, {"a", 1}, {"b", 2}}},
        {"unk_token", "[UNK]"},
        {"continuing_subword_prefix", "##"},
        {"max_input_chars_per_word", 100}}}};
  return j.dump();
}

// The nmt_nfkc map of a SentencePiece model trained here, against the real library's outputs.
TEST(Precompiled, NmtNfkcAsTheLibrary) {
  testing::TempDir tmp;
  const Tokenizer t = Tokenizer::load(testing::train_small_tokenizer(tmp, 100));
  const auto m =
      PrecompiledCharsmap::parse(parse_spm_proto(t.model_bytes(), t.path()).precompiled_charsmap);
  EXPECT_EQ(m.normalize("\xEF\xBD\xB6\xCC\x81"), "\xE3\x82\xAB");  // ｶ́ -> カ
  EXPECT_EQ(m.normalize("\xEF\xAC\x81"), "fi");                    // ﬁ
  EXPECT_EQ(m.normalize("\xE3\x80\x80"
                        "a"),
            " a");                                      // U+3000
  EXPECT_EQ(m.normalize("\xEF\xBC\xA1\xCC\x81"), "A");  // Ａ́
  EXPECT_EQ(m.normalize("\xE2\x91\xA0\xCC\x88"), "1");  // ①̈
  EXPECT_EQ(m.normalize("Hello world"), "Hello world");
  // The SentencePiece kind applies the map the same way (tokenizer.h): ｶ + U+0301 is encoded as
  // カ (SentencePiece's own rule, longest key per position, would keep the accent).
  EXPECT_EQ(t.encode("\xEF\xBD\xB6\xCC\x81"), t.encode("\xE3\x82\xAB"));
  EXPECT_NE(t.encode("\xEF\xBD\xB6\xCC\x81"), t.encode("\xE3\x82\xAB\xCC\x81"));
  EXPECT_EQ(t.encode("x \xEF\xAC\x81 y"), t.encode("x fi y"));
  // Invalid UTF-8 as the library would see it: U+FFFD.
  EXPECT_EQ(t.encode("a\xFF"), t.encode("a\xEF\xBF\xBD"));
  // Offsets through a tokenizer.json: "a" U+0001 "b" -> a (0,1), b (2,3) (the control char
  // removed, charged to the "a" before it).
  const HfTokenizer hf = HfTokenizer::parse(
      json_with_precompiled(parse_spm_proto(t.model_bytes(), t.path()).precompiled_charsmap),
      "t.json");
  const auto enc = hf.encode(
      "a\x01"
      "b",
      false);
  EXPECT_EQ(enc.ids, (std::vector<int>{1, 2}));
  ASSERT_EQ(enc.offsets.size(), 2u);
  EXPECT_EQ(enc.offsets[1].first, 2u);
  EXPECT_EQ(enc.offsets[1].second, 3u);
}

}  // namespace
}  // namespace bertforge::hf
