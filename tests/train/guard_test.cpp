// The over-specialisation guard's decision (train/guard.h) as a table, and its state's JSON round
// trip (a resumed run compares with the same reference).
#include "train/guard.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "train/train_state.h"

namespace bertforge {
namespace {

GuardState state(double ref, double last, bool has_last = true) {
  GuardState g;
  g.set = "general", g.loss = ref, g.step = 0;
  if (has_last) g.observe(last, 300);
  return g;
}

TEST(GuardTest, DecisionTable) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  struct Row {
    double ref, last, max_rise;
    bool has_last, stop;
  };
  const std::vector<Row> table = {
      {4.0, 4.0, 0.05, true, false},   // unchanged
      {4.0, 4.19, 0.05, true, false},  // +4.75%: within
      {2.0, 2.5, 0.25, true, false},   // exactly +25%: not more than
      {4.0, 4.21, 0.05, true, true},   // +5.25%: stop
      {4.0, 3.0, 0.05, true, false},   // lower: fine
      {4.0, 9.0, 0.0, true, false},    // max_rise 0 = off
      {4.0, 9.0, 0.05, false, false},  // no evaluation since the reference
      {0.0, 9.0, 0.05, true, false},   // no usable reference
      {nan, 9.0, 0.05, true, false},   // no usable reference
      {4.0, nan, 0.05, true, true},    // a non-finite loss is beyond any bound
      {4.0, inf, 0.05, true, true},    {3.84, 4.12, 0.05, true, true},  // +7.3%
      {3.84, 4.12, 0.10, true, false},
  };
  for (const Row& r : table) {
    SCOPED_TRACE(testing::Message() << r.ref << " -> " << r.last << " max " << r.max_rise);
    const GuardVerdict v = guard_verdict(state(r.ref, r.last, r.has_last), r.max_rise);
    EXPECT_EQ(v.stop, r.stop) << v.reason;
  }
}

TEST(GuardTest, NoReferenceNoStop) {
  GuardState g;
  g.observe(100.0, 10);
  EXPECT_FALSE(guard_verdict(g, 0.01).stop);
}

TEST(GuardTest, ReasonSaysTheNumbers) {
  const GuardVerdict v = guard_verdict(state(3.84, 4.12), 0.05);
  ASSERT_TRUE(v.stop);
  EXPECT_NEAR(v.rise, 0.0729, 1e-3);
  EXPECT_EQ(v.reason,
            "over-specialisation: general mlm_loss 4.1200 is 7.3% above 3.8400 at step 0 "
            "(train.guard_max_rise 0.05)");
}

TEST(GuardTest, JsonRoundTrip) {
  EXPECT_TRUE(GuardState().to_json().is_null());
  EXPECT_FALSE(GuardState::from_json(nlohmann::json()).has_reference());
  GuardState g = state(3.84, 4.12);
  g.metric = "clm_loss";
  const GuardState back = GuardState::from_json(g.to_json());
  EXPECT_EQ(back.set, "general");
  EXPECT_EQ(back.metric, "clm_loss");
  EXPECT_DOUBLE_EQ(back.loss, 3.84);
  EXPECT_TRUE(back.has_last);
  EXPECT_DOUBLE_EQ(back.last_loss, 4.12);
  EXPECT_EQ(back.last_step, 300);
  // A reference without a later evaluation; a non-finite last loss is kept as non-finite.
  EXPECT_FALSE(GuardState::from_json(state(3.0, 0, false).to_json()).has_last);
  const GuardState nan_last =
      GuardState::from_json(state(3.0, std::numeric_limits<double>::quiet_NaN()).to_json());
  EXPECT_TRUE(std::isnan(nan_last.last_loss));
  EXPECT_TRUE(guard_verdict(nan_last, 0.05).stop);
}

TEST(GuardTest, KeptInTrainState) {
  TrainState s;
  s.guard = state(3.5, 3.9);
  const TrainState back = TrainState::from_json(s.to_json(), false);
  EXPECT_EQ(back.guard.set, "general");
  EXPECT_DOUBLE_EQ(back.guard.loss, 3.5);
  EXPECT_DOUBLE_EQ(back.guard.last_loss, 3.9);
  // A checkpoint from before the guard: no reference.
  nlohmann::json old = s.to_json();
  old.erase("guard");
  EXPECT_FALSE(TrainState::from_json(old, false).guard.has_reference());
}

}  // namespace
}  // namespace bertforge
