// tokenizer.add_tokens and vocab-candidates on a hand-made WordPiece vocabulary (ids = lines).
#include "tokenizer/vocab_growth.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "errors/errors.h"
#include "testutil.h"
#include "tokenizer/tokenizer.h"
#include "tokenizer/wordpiece.h"

namespace bertforge {
namespace {

using testing::TempDir;

Tokenizer base_tokenizer() {
  // [unused0] and [unused1] are the free slots, as in BERT's vocab.txt.
  std::vector<std::string> tokens = {"[PAD]", "[unused0]", "[unused1]", "[UNK]", "[CLS]",
                                     "[SEP]", "[MASK]",    "h",         "##e",   "##m",
                                     "##o",   "the",       "blood",     "##s"};
  return Tokenizer::from_wordpiece(WordPiece::from_tokens(tokens), "base");
}

TEST(VocabGrowth, FillsUnusedSlotsThenAppends) {
  const Tokenizer base = base_tokenizer();
  EXPECT_EQ(base.encode("heme").size(), 4u);  // h ##e ##m ##e
  VocabGrowth g;
  // Normalised as the tokenizer normalises text: "Heme" is "heme"; "Blood" is there already.
  const Tokenizer grown = grow_vocabulary(base, {"Heme", "Blood", "hemo", "heh"}, "grown", &g);
  EXPECT_EQ(g.into_unused, 2);
  EXPECT_EQ(g.appended, 1);
  EXPECT_EQ(g.already, 1);
  EXPECT_EQ(grown.vocab_size(), base.vocab_size() + 1);
  EXPECT_EQ(grown.id_to_piece(1), "heme");
  EXPECT_EQ(grown.id_to_piece(2), "hemo");
  EXPECT_EQ(grown.id_to_piece(14), "heh");
  EXPECT_EQ(grown.encode("heme blood hemos"), (std::vector<int>{1, 12, 2, 13}));
  EXPECT_EQ(grown.specials().mask, 6);
  EXPECT_TRUE(is_grown_from(base, grown));
  EXPECT_FALSE(is_grown_from(grown, base));
}

TEST(VocabGrowth, RefusesWhatCannotBeAWord) {
  const Tokenizer base = base_tokenizer();
  EXPECT_THROW(grow_vocabulary(base, {"covid-19"}, "x"), ConfigError);
  EXPECT_THROW(grow_vocabulary(base, {"two words"}, "x"), ConfigError);
}

TEST(VocabGrowth, ReadsAListOrAFile) {
  TempDir tmp;
  EXPECT_EQ(read_add_tokens({"a", "b"}), (std::vector<std::string>{"a", "b"}));
  testing::write_text(tmp.file("words.txt"), "heme\n\n  hemo \nheh");
  EXPECT_EQ(read_add_tokens({tmp.file("words.txt")}),
            (std::vector<std::string>{"heme", "hemo", "heh"}));
}

TEST(VocabGrowth, CandidatesRankByPiecesSaved) {
  TempDir tmp;
  // heme: 3 x (4 - 1) = 9 saved; hemo: 2 x 3 = 6; bloods: 4 x 1 = 4; the, blood: one piece.
  testing::write_text(tmp.file("c.txt"),
                      "the heme heme blood\nheme hemo bloods bloods\n\nhemo bloods bloods the\n");
  const auto c = vocab_candidates(base_tokenizer(), {tmp.file("c.txt")}, 10);
  ASSERT_EQ(c.size(), 3u);
  EXPECT_EQ(c[0].word, "heme");
  EXPECT_EQ(c[0].count, 3);
  EXPECT_EQ(c[0].pieces, 4);
  EXPECT_EQ(c[1].word, "hemo");
  EXPECT_EQ(c[2].word, "bloods");
  EXPECT_EQ(vocab_candidates(base_tokenizer(), {tmp.file("c.txt")}, 1).size(), 1u);
}

}  // namespace
}  // namespace bertforge
