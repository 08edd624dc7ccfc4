#include "train/schedule.h"

#include <gtest/gtest.h>

namespace bertforge {
namespace {

TEST(Schedule, LinearWarmupThenDecay) {
  Schedule s{"linear", 1e-3, 10, 110};
  EXPECT_DOUBLE_EQ(s.lr_at(0), 0.0);
  EXPECT_DOUBLE_EQ(s.lr_at(5), 5e-4);
  EXPECT_DOUBLE_EQ(s.lr_at(10), 1e-3);
  EXPECT_DOUBLE_EQ(s.lr_at(60), 5e-4);  // half way through the 100 decay steps
  EXPECT_DOUBLE_EQ(s.lr_at(110), 0.0);
  EXPECT_DOUBLE_EQ(s.lr_at(200), 0.0);
}

TEST(Schedule, Cosine) {
  Schedule s{"cosine", 2.0, 0, 100};
  EXPECT_DOUBLE_EQ(s.lr_at(0), 2.0);
  EXPECT_NEAR(s.lr_at(50), 1.0, 1e-12);                   // cos(pi/2) = 0 -> half
  EXPECT_NEAR(s.lr_at(25), 1.0 + std::sqrt(0.5), 1e-12);  // 0.5 * (1 + cos(pi/4)) * 2
  EXPECT_NEAR(s.lr_at(100), 0.0, 1e-12);
}

TEST(Schedule, Constant) {
  Schedule s{"constant", 3.0, 4, 100};
  EXPECT_DOUBLE_EQ(s.lr_at(2), 1.5);
  EXPECT_DOUBLE_EQ(s.lr_at(4), 3.0);
  EXPECT_DOUBLE_EQ(s.lr_at(99), 3.0);
}

TEST(Schedule, WarmupStableDecay) {
  Schedule s{"wsd", 2.0, 10, 110, 20};  // warmup to 10, stable to 90, linear to 0 at 110
  EXPECT_DOUBLE_EQ(s.lr_at(5), 1.0);
  EXPECT_DOUBLE_EQ(s.lr_at(10), 2.0);
  EXPECT_DOUBLE_EQ(s.lr_at(89), 2.0);
  EXPECT_DOUBLE_EQ(s.lr_at(90), 2.0);
  EXPECT_DOUBLE_EQ(s.lr_at(100), 1.0);
  EXPECT_DOUBLE_EQ(s.lr_at(105), 0.5);
  EXPECT_DOUBLE_EQ(s.lr_at(110), 0.0);
  Schedule all{"wsd", 1.0, 0, 100, 100};  // decay_ratio 1: linear from the start
  EXPECT_DOUBLE_EQ(all.lr_at(25), 0.75);
}

TEST(Schedule, DefaultWarmupIsOnePercent) {
  EXPECT_EQ(resolve_warmup(-1, 10000), 100);
  EXPECT_EQ(resolve_warmup(-1, 50), 1);
  EXPECT_EQ(resolve_warmup(7, 50), 7);
}

TEST(Schedule, WarmupRatio) {
  EXPECT_EQ(resolve_warmup(-1, 1000, 0.06), 60);  // RoBERTa's 6%
  EXPECT_EQ(resolve_warmup(-1, 100, 0.07), 7);
  EXPECT_EQ(resolve_warmup(-1, 999, 0.1), 99);   // rounded down
  EXPECT_EQ(resolve_warmup(-1, 10, 0.0), 1);     // at least one step
  EXPECT_EQ(resolve_warmup(25, 1000, 0.5), 25);  // explicit steps win
}

}  // namespace
}  // namespace bertforge
