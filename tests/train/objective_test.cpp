// ObjectivePlan (train.objective): which steps of a run are causal-LM steps. The expected
// switch steps are round(clm_share x total steps), worked out by hand below.
#include "train/objective.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "config/config.h"

namespace bertforge {
namespace {

ObjectivePlan plan(const std::string& objective, double clm_share, int64_t total) {
  TrainConfig t;
  t.objective = objective;
  t.clm_share = clm_share;
  return ObjectivePlan(t, total);
}

// The 0-based steps of [0, total) that `p` makes causal.
std::vector<int64_t> causal_steps(const ObjectivePlan& p, int64_t total) {
  std::vector<int64_t> steps;
  for (int64_t s = 0; s < total; ++s)
    if (p.causal(s)) steps.push_back(s);
  return steps;
}

std::vector<int64_t> range(int64_t from, int64_t to) {  // [from, to)
  std::vector<int64_t> v;
  for (int64_t s = from; s < to; ++s) v.push_back(s);
  return v;
}

TEST(ObjectivePlan, ClmThenMlmSwitchesHalfWay) {
  const ObjectivePlan p = plan("clm_then_mlm", 0.5, 30);
  EXPECT_EQ(causal_steps(p, 30), range(0, 15));  // steps 0..14 are CLM, 15..29 MLM
  EXPECT_EQ(p.switch_step(), 15);
  EXPECT_TRUE(p.causal(14));
  EXPECT_FALSE(p.causal(15));
  EXPECT_STREQ(p.name(14), "clm");
  EXPECT_STREQ(p.name(15), "mlm");
}

TEST(ObjectivePlan, MlmIsNeverCausal) {
  const ObjectivePlan p = plan("mlm", 0.5, 30);
  EXPECT_TRUE(causal_steps(p, 30).empty());
  EXPECT_EQ(p.switch_step(), -1);
  EXPECT_STREQ(p.name(0), "mlm");
  EXPECT_FALSE(ObjectivePlan().causal(0));  // the default plan is MLM
}

TEST(ObjectivePlan, ClmIsAlwaysCausalAndNeverSwitches) {
  const ObjectivePlan p = plan("clm", 0.5, 30);  // clm_share does not apply
  EXPECT_EQ(causal_steps(p, 30), range(0, 30));
  EXPECT_TRUE(p.causal(int64_t{1} << 40));  // past the budget too (a resumed longer run)
  EXPECT_EQ(p.switch_step(), -1);
  EXPECT_STREQ(p.name(29), "clm");
}

// round(share x total), halves away from zero: 0.5 x 31 = 15.5 -> 16, 0.5 x 29 = 14.5 -> 15,
// 0.25 x 10 = 2.5 -> 3, 0.3 x 7 = 2.1 -> 2, 0.7 x 7 = 4.9 -> 5, 0.01 x 30 = 0.3 -> 0 (no CLM
// step at all; MLM from step 0).
TEST(ObjectivePlan, ClmStepsAreTheRoundedShareOfTheTotal) {
  struct Case {
    double share;
    int64_t total, clm_steps;
  };
  for (const Case& c : std::vector<Case>{
           {0.5, 31, 16}, {0.5, 29, 15}, {0.25, 10, 3}, {0.3, 7, 2}, {0.7, 7, 5}, {0.01, 30, 0}}) {
    const ObjectivePlan p = plan("clm_then_mlm", c.share, c.total);
    EXPECT_EQ(causal_steps(p, c.total), range(0, c.clm_steps)) << c.share << " x " << c.total;
    EXPECT_EQ(p.switch_step(), c.clm_steps) << c.share << " x " << c.total;
  }
}

TEST(ObjectivePlan, OnlyClmEndsCausal) {
  EXPECT_TRUE(ends_causal("clm"));
  EXPECT_FALSE(ends_causal("clm_then_mlm"));
  EXPECT_FALSE(ends_causal("mlm"));
}

}  // namespace
}  // namespace bertforge
