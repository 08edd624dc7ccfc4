#include "labelled/encode.h"

#include <gtest/gtest.h>

#include <vector>

#include "tokenizer/tokenizer.h"
#include "tokenizer/wordpiece.h"

namespace bertforge {
namespace {

Tokenizer small_wordpiece() {
  WordPieceOptions o;
  return Tokenizer::from_wordpiece(
      WordPiece::from_tokens({"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "hello", "##s", "the",
                              ",", "cafe", "world"},
                             o),
      "(test)");
}

EncodedExample encode_pair(const std::string& architecture, int max_seq_len) {
  LabelledExample ex;
  ex.text = "hello world";
  ex.text_pair = "the cafe";
  EncodeOptions o;
  o.max_seq_len = max_seq_len;
  o.labelled = false;
  o.architecture = architecture;
  return encode_example(small_wordpiece(), ex, LabelSet(), o);
}

TEST(Encode, BertPairIsClsASepBSepWithTypeOneForB) {
  const EncodedExample e = encode_pair("bert", 128);
  EXPECT_EQ(e.ids, (std::vector<int64_t>{2, 5, 10, 3, 7, 9, 3}));
  EXPECT_EQ(e.types, (std::vector<int64_t>{0, 0, 0, 0, 1, 1, 1}));
}

TEST(Encode, RobertaPairHasTheDoubleSeparatorAndOneType) {
  const EncodedExample e = encode_pair("roberta", 128);
  EXPECT_EQ(e.ids, (std::vector<int64_t>{2, 5, 10, 3, 3, 7, 9, 3}));
  EXPECT_EQ(e.types, std::vector<int64_t>(8, 0));
}

TEST(Encode, PairTruncationCountsTheLayoutsSeparators) {
  // Longest first: RoBERTa's 4 specials leave 2 tokens in 6, BERT's 3 leave 3.
  EXPECT_EQ(encode_pair("roberta", 6).ids, (std::vector<int64_t>{2, 5, 3, 3, 7, 3}));
  EXPECT_EQ(encode_pair("bert", 6).ids, (std::vector<int64_t>{2, 5, 3, 7, 9, 3}));
}

}  // namespace
}  // namespace bertforge
