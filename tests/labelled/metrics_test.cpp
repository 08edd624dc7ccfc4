#include "labelled/metrics.h"

#include <gtest/gtest.h>

#include <cmath>

namespace bertforge {
namespace {

// gold 0 0 1 1 2, predicted 0 1 1 1 0 (worked out by hand in the comments).
const std::vector<int> kGold = {0, 0, 1, 1, 2}, kPred = {0, 1, 1, 1, 0};

TEST(Metrics, Accuracy) { EXPECT_DOUBLE_EQ(accuracy(kGold, kPred), 0.6); }  // 3 of 5

TEST(Metrics, MacroF1) {
  // class 0: tp 1 fp 1 fn 1 -> 2/4; class 1: tp 2 fp 1 fn 0 -> 4/5; class 2: tp 0 -> 0.
  EXPECT_NEAR(macro_f1(kGold, kPred), (0.5 + 0.8 + 0.0) / 3, 1e-12);
  EXPECT_DOUBLE_EQ(macro_f1({1, 1}, {1, 1}), 1.0);  // one class present: its F1 only
}

TEST(Metrics, Mcc) {
  // s 5, c 3, true counts 2 2 1, predicted 2 3 0: (3*5 - (4+6+0)) / sqrt((25-13)(25-9)).
  EXPECT_NEAR(mcc(kGold, kPred), 5.0 / std::sqrt(192.0), 1e-12);
  // Binary: tp 2 tn 1 fp 1 fn 0 -> (2*1 - 1*0) / sqrt(3*2*2*1).
  EXPECT_NEAR(mcc({1, 1, 0, 0}, {1, 1, 1, 0}), 2.0 / std::sqrt(12.0), 1e-12);
  EXPECT_DOUBLE_EQ(mcc({0, 1, 0}, {1, 1, 1}), 0.0);  // a constant prediction: undefined -> 0
  EXPECT_DOUBLE_EQ(mcc({0, 1, 2}, {0, 1, 2}), 1.0);
}

TEST(Metrics, Pearson) {
  // dx -1.5 -.5 .5 1.5, dy -3 -1 0 4: sxy 11, sxx 5, syy 26.
  EXPECT_NEAR(pearson({1, 2, 3, 4}, {2, 4, 5, 9}), 11.0 / std::sqrt(130.0), 1e-12);
  EXPECT_DOUBLE_EQ(pearson({1, 1, 1}, {1, 2, 3}), 0.0);  // constant side
}

TEST(Metrics, SpearmanWithTies) {
  EXPECT_DOUBLE_EQ(spearman({1, 2, 3, 4}, {2, 4, 5, 9}), 1.0);
  // ranks 1 2.5 2.5 4 and 1 3 2 4: sxy 4.5, sxx 4.5, syy 5.
  EXPECT_NEAR(spearman({1, 2, 2, 3}, {1, 3, 2, 4}), 4.5 / std::sqrt(22.5), 1e-12);
}

TEST(Metrics, Chunks) {
  using V = std::vector<Chunk>;
  EXPECT_EQ(chunks({"B-PER", "I-PER", "O", "B-LOC"}), (V{{"PER", 0, 2}, {"LOC", 3, 4}}));
  EXPECT_EQ(chunks({"I-PER", "I-LOC"}), (V{{"PER", 0, 1}, {"LOC", 1, 2}}));  // type change
  EXPECT_EQ(chunks({"B-PER", "B-PER"}), (V{{"PER", 0, 1}, {"PER", 1, 2}}));
  EXPECT_EQ(chunks({"O", "I-MISC", "I-MISC"}), (V{{"MISC", 1, 3}}));  // I after O starts one
  EXPECT_EQ(chunks({"PER", "PER", "O"}), (V{{"PER", 0, 2}}));         // no prefix: as I-
  EXPECT_EQ(chunks({"S-X", "B-Y", "E-Y", "O"}), (V{{"X", 0, 1}, {"Y", 1, 3}}));
  EXPECT_TRUE(chunks({"O", "O"}).empty());
}

TEST(Metrics, EntityF1) {
  // Sentence 1: PER right, LOC predicted as ORG. Sentence 2: the MISC chunk right (I after O).
  const EntityScores s = entity_f1({{"B-PER", "I-PER", "O", "B-LOC"}, {"O", "B-MISC", "I-MISC"}},
                                   {{"B-PER", "I-PER", "O", "B-ORG"}, {"O", "I-MISC", "I-MISC"}});
  EXPECT_EQ(s.gold, 3);
  EXPECT_EQ(s.predicted, 3);
  EXPECT_EQ(s.correct, 2);
  EXPECT_NEAR(s.f1, 2.0 / 3.0, 1e-12);
  // A partial span is wrong: gold PER [0,2), predicted PER [0,1) -> P 0/1, R 0/1.
  EXPECT_DOUBLE_EQ(entity_f1({{"B-PER", "I-PER"}}, {{"B-PER", "O"}}).f1, 0.0);
}

}  // namespace
}  // namespace bertforge
