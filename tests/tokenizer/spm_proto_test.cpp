#include "tokenizer/spm_proto.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "errors/errors.h"

namespace bertforge {
namespace {

std::string fixed32(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  std::string out;
  for (int i = 0; i < 4; ++i) out += static_cast<char>((u >> (8 * i)) & 0xff);
  return out;
}

// A ModelProto.SentencePiece: piece (1), score (2, fixed32), type (3).
std::string piece(const std::string& text, float score, int type) {
  std::string m = "\x0a" + std::string(1, static_cast<char>(text.size())) + text;
  m += "\x15" + fixed32(score);
  m += "\x18" + std::string(1, static_cast<char>(type));
  return "\x0a" + std::string(1, static_cast<char>(m.size())) + m;
}

// Three pieces and a TrainerSpec (field 2) with model_type unigram.
std::string model(const std::vector<float>& scores) {
  std::string out = piece("[UNK]", 0, SpmProto::kUnknown);
  out += piece("\xe2\x96\x81the", scores[0], SpmProto::kNormal);
  out += piece("ing", scores[1], SpmProto::kNormal);
  out += std::string("\x12\x02\x18\x01", 4);
  return out;
}

TEST(SpmProto, RoundsScoresToTheGridInPlace) {
  const std::vector<float> scores = {-3.14159f, -10.00390625f + 1e-4f};
  const std::string before = model(scores);
  const std::string after = round_spm_scores(before, "m.model");
  ASSERT_EQ(after.size(), before.size());
  const SpmProto p = parse_spm_proto(after, "m.model");
  ASSERT_EQ(p.pieces.size(), 3u);
  EXPECT_EQ(p.pieces[0].score, 0.0f);
  EXPECT_EQ(p.pieces[1].score, -402.0f / 128);  // -3.14159 * 128 = -402.12
  EXPECT_EQ(p.pieces[2].score, -10.0f);         // -10.0038 * 128 = -1280.49
  EXPECT_EQ(p.pieces[1].piece, "\xe2\x96\x81the");
  EXPECT_EQ(p.pieces[2].type, SpmProto::kNormal);
  EXPECT_EQ(p.model_type, 1);
  // Only the score bytes changed.
  int changed = 0;
  for (size_t i = 0; i < before.size(); ++i) changed += before[i] != after[i];
  EXPECT_GT(changed, 0);
  EXPECT_LE(changed, 8);
  // Every score is now a multiple of the grid, so rounding again changes nothing.
  for (const auto& q : p.pieces)
    EXPECT_EQ(q.score / kSpmScoreGrid, std::round(q.score / kSpmScoreGrid));
  EXPECT_EQ(round_spm_scores(after, "m.model"), after);
}

TEST(SpmProto, GridSumsAreExactInFloat) {
  // The point of the grid: a float sum of grid scores equals the double sum, so ties stay ties.
  float f = 0;
  double d = 0;
  for (int i = 0; i < 3000; ++i) {
    const float s =
        std::round(-(static_cast<float>(i % 97) * 0.173f + 2.3f) / kSpmScoreGrid) * kSpmScoreGrid;
    f += s;
    d += s;
  }
  EXPECT_EQ(static_cast<double>(f), d);
}

TEST(SpmProto, RoundingRefusesWhatIsNotAModel) {
  EXPECT_THROW(round_spm_scores("", "m.model"), InputError);
  EXPECT_THROW(round_spm_scores(std::string("\x0a\x20\x01", 3), "m.model"), InputError);
  try {
    round_spm_scores(std::string("\x12\x02\x18\x01", 4), "m.model");
    FAIL() << "no pieces accepted";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("no pieces"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace bertforge
