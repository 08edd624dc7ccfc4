#include "train/early_stopping.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace bertforge {
namespace {

TEST(BestLoss, TracksTheLowestLossAndCountsTheRest) {
  BestLoss b;
  EXPECT_FALSE(b.exhausted(2));
  EXPECT_TRUE(b.update(5.0, 10, 0.1));    // the first finite loss is the best
  EXPECT_FALSE(b.update(4.95, 20, 0.1));  // lower, but not by more than min_delta
  EXPECT_EQ(b.evals_without_improvement, 1);
  EXPECT_FALSE(b.exhausted(2));
  EXPECT_TRUE(b.update(4.8, 30, 0.1));  // 4.8 < 5.0 - 0.1: new best, count reset
  EXPECT_EQ(b.step, 30);
  EXPECT_DOUBLE_EQ(b.loss, 4.8);
  EXPECT_EQ(b.evals_without_improvement, 0);
  EXPECT_FALSE(b.update(4.9, 40, 0.0));
  EXPECT_FALSE(b.update(4.8, 50, 0.0));  // equal is no improvement
  EXPECT_TRUE(b.exhausted(2));
  EXPECT_FALSE(b.exhausted(3));
  EXPECT_FALSE(b.exhausted(0));  // 0 = early stopping off
}

TEST(BestLoss, NonFiniteLossesNeverImprove) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  BestLoss b;
  EXPECT_FALSE(b.update(nan, 10, 0));  // not a best even as the first evaluation
  EXPECT_FALSE(b.update(inf, 20, 0));
  EXPECT_EQ(b.step, 0);
  EXPECT_EQ(b.evals_without_improvement, 2);
  EXPECT_TRUE(b.update(6.0, 30, 0));
  EXPECT_FALSE(b.update(nan, 40, 0));
  EXPECT_FALSE(b.update(-inf, 50, 0));
  EXPECT_DOUBLE_EQ(b.loss, 6.0);
}

TEST(BestLoss, JsonRoundTrip) {
  BestLoss none;
  EXPECT_TRUE(none.to_json()["mlm_loss"].is_null());
  EXPECT_EQ(BestLoss::from_json(none.to_json()).step, 0);
  EXPECT_EQ(BestLoss::from_json(nlohmann::json()).step, 0);  // checkpoints from before "best"
  BestLoss b;
  b.update(5.25, 10, 0);
  b.update(5.5, 20, 0);
  BestLoss c = BestLoss::from_json(nlohmann::json::parse(b.to_json().dump()));
  EXPECT_DOUBLE_EQ(c.loss, 5.25);
  EXPECT_EQ(c.step, 10);
  EXPECT_EQ(c.evals_without_improvement, 1);
}

}  // namespace
}  // namespace bertforge
