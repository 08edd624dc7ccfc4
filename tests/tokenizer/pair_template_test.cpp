#include "tokenizer/pair_template.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "errors/errors.h"

namespace bertforge {
namespace {

// bert-base-uncased's ids for BERT; roberta-base's <s>=0 </s>=2 as the [CLS] and [SEP] roles.
SpecialIds bert_ids() { return {0, 100, 101, 102, 103}; }
SpecialIds roberta_ids() { return {1, 3, 0, 2, 50264}; }

TEST(PairTemplate, BertPairHasOneSeparatorAndTypeOneForB) {
  const PairTemplate t = PairTemplate::of("bert", bert_ids());
  std::vector<int64_t> ids, types;
  const std::vector<int> a{7, 8}, b{9};
  t.encode(a, &b, &ids, &types);
  EXPECT_EQ(ids, (std::vector<int64_t>{101, 7, 8, 102, 9, 102}));
  EXPECT_EQ(types, (std::vector<int64_t>{0, 0, 0, 0, 1, 1}));
  EXPECT_EQ(t.pair_extra(), 3);
  EXPECT_EQ(t.single_extra(), 2);
  // ModernBERT's tokenizer.json template is BERT's.
  const PairTemplate m = PairTemplate::of("modernbert", bert_ids());
  EXPECT_EQ(m.separators, 1);
  EXPECT_EQ(m.b_type, 1);
}

TEST(PairTemplate, RobertaPairHasADoubleSeparatorAndOneType) {
  // transformers' RobertaTokenizerFast("a", "b"): <s> a </s></s> b </s>, token types all 0.
  const PairTemplate t = PairTemplate::of("roberta", roberta_ids());
  std::vector<int64_t> ids, types;
  const std::vector<int> a{250, 251}, b{252};
  t.encode(a, &b, &ids, &types);
  EXPECT_EQ(ids, (std::vector<int64_t>{0, 250, 251, 2, 2, 252, 2}));
  EXPECT_EQ(types, std::vector<int64_t>(7, 0));
  EXPECT_EQ(t.pair_extra(), 4);
}

TEST(PairTemplate, SingleSegmentAndAnEmptySecondOne) {
  const PairTemplate t = PairTemplate::of("roberta", roberta_ids());
  std::vector<int64_t> ids, types;
  t.encode({250}, nullptr, &ids, &types);
  EXPECT_EQ(ids, (std::vector<int64_t>{0, 250, 2}));
  EXPECT_EQ(types, (std::vector<int64_t>{0, 0, 0}));
  // A pair whose second text has no tokens keeps the pair's separators.
  ids.clear();
  types.clear();
  const std::vector<int> empty;
  t.encode({250}, &empty, &ids, &types);
  EXPECT_EQ(ids, (std::vector<int64_t>{0, 250, 2, 2, 2}));
}

TEST(PairTemplate, RawWritersAndUnknownArchitecture) {
  const PairTemplate t = PairTemplate::of("roberta", roberta_ids());
  int32_t buf[4] = {-1, -1, -1, -1};
  EXPECT_EQ(t.open(buf), 1);
  EXPECT_EQ(buf[0], 0);
  EXPECT_EQ(t.boundary(buf + 1), 2);
  EXPECT_EQ(t.close(buf + 3), 1);
  EXPECT_EQ(std::vector<int32_t>(buf, buf + 4), (std::vector<int32_t>{0, 2, 2, 2}));
  EXPECT_EQ(PairTemplate::of("bert", bert_ids()).boundary(buf), 1);
  try {
    PairTemplate::of("gpt2", bert_ids());
    FAIL() << "an unknown architecture was accepted";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("gpt2"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace bertforge
