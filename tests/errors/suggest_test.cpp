#include "errors/suggest.h"

#include <gtest/gtest.h>

namespace bertforge {
namespace {

// Distances worked out by hand.
TEST(Suggest, EditDistance) {
  EXPECT_EQ(edit_distance("", ""), 0u);
  EXPECT_EQ(edit_distance("", "abc"), 3u);  // 3 insertions
  EXPECT_EQ(edit_distance("same", "same"), 0u);
  EXPECT_EQ(edit_distance("kitten", "sitting"), 3u);  // k->s, e->i, +g
  EXPECT_EQ(edit_distance("flaw", "lawn"), 2u);       // -f, +n
  EXPECT_EQ(edit_distance("trian", "train"), 2u);     // a transposition is 2 substitutions
}

TEST(Suggest, ClosestWithinTheLimit) {
  const std::vector<std::string> cmds = {"tokenizer", "prepare", "train", "evaluate"};
  EXPECT_EQ(closest("trian", cmds, 3), "train");
  EXPECT_EQ(closest("prepre", cmds, 3), "prepare");
  EXPECT_EQ(closest("frobnicate", cmds, 3), "");
  EXPECT_EQ(closest("trian", cmds, 1), "");         // 2 edits away: over the limit
  EXPECT_EQ(closest("ab", {"ac", "ad"}, 1), "ac");  // a tie goes to the first
  EXPECT_EQ(closest("x", {}, 5), "");
}

// Config keys: the full path, the last component (+1), or a prefix in the same section (2).
TEST(Suggest, ClosestKey) {
  const std::vector<std::string> keys = {"seed", "train", "train.steps", "tokenizer.vocab_size",
                                         "tokenizer.model"};
  EXPECT_EQ(closest_key("train.step", keys), "train.steps");
  EXPECT_EQ(closest_key("vocab_sise", keys), "tokenizer.vocab_size");       // 1 + 1 edit
  EXPECT_EQ(closest_key("tokenizer.vocab", keys), "tokenizer.vocab_size");  // a prefix
  EXPECT_EQ(closest_key("trian", keys), "train");
  EXPECT_EQ(closest_key("data.vocab", keys), "");  // a prefix, but in another section
  EXPECT_EQ(closest_key("frobnicate", keys), "");
}

TEST(Suggest, DidYouMean) {
  EXPECT_EQ(did_you_mean("train"), "did you mean 'train'?");
  EXPECT_EQ(did_you_mean(""), "");
}

}  // namespace
}  // namespace bertforge
