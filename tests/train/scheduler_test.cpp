// The Scheduler's decisions (train.log_every, eval_every, save_every, save_every_minutes, early
// stopping, the step budget from train.steps or train.epochs) as a table: for each config the
// steps where a log line, an evaluation and a checkpoint are due, and where the run ends, all
// written out by hand. The loop below takes the decisions in the trainer's order (log, evaluate,
// then save with the early-stopping verdict of that evaluation).
#include "train/scheduler.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "config/config.h"
#include "train/early_stopping.h"

namespace bertforge {
namespace {

using Steps = std::vector<int64_t>;

struct Row {
  std::string name;
  TrainConfig t;
  int64_t batches_per_epoch;
  bool has_valid;
  std::vector<double> eval_losses;  // the validation loss of each evaluation, in order
  int64_t start;                    // the step a (resumed) run starts at
  Steps log, eval, save;
  int64_t end;  // the step the run stops after
};

TrainConfig config(int64_t steps, int64_t log, int64_t eval, int64_t save) {
  TrainConfig t;
  t.steps = steps, t.log_every = log, t.eval_every = eval, t.save_every = save;
  return t;
}

struct Decisions {
  Steps log, eval, save;
  int64_t end = 0;
};

Decisions run(const Row& r) {
  const Scheduler s(r.t, step_budget(r.t, r.batches_per_epoch), r.has_valid);
  Decisions d;
  BestLoss best;
  size_t evals = 0;
  int64_t step = r.start;
  while (s.more(step, best.exhausted(r.t.early_stopping))) {
    ++step;
    if (s.log_due(step)) d.log.push_back(step);
    if (s.eval_due(step)) {
      d.eval.push_back(step);
      const double loss = evals < r.eval_losses.size() ? r.eval_losses[evals] : 1.0;
      ++evals;
      best.update(loss, step, r.t.early_stopping_min_delta);
    }
    if (s.save_due(step, best.exhausted(r.t.early_stopping), false)) d.save.push_back(step);
    if (step > 1000) break;  // a scheduler that never stops
  }
  d.end = step;
  return d;
}

std::vector<Row> table() {
  std::vector<Row> rows;
  // Every few steps, and always at the last one (10: log and eval, both not multiples).
  rows.push_back(
      {"periodic", config(10, 3, 4, 5), 100, true, {}, 0, {3, 6, 9, 10}, {4, 8, 10}, {5, 10}, 10});
  // The same run resumed at step 6: decisions depend on the step only.
  rows.push_back({"resumed", config(10, 3, 4, 5), 100, true, {}, 6, {9, 10}, {8, 10}, {10}, 10});
  // eval_every 0 and save_every 0: only at the end; log_every 1: every step.
  rows.push_back({"only at the end",
                  config(7, 1, 0, 0),
                  100,
                  true,
                  {},
                  0,
                  {1, 2, 3, 4, 5, 6, 7},
                  {7},
                  {7},
                  7});
  // No validation data: no evaluation at all, not even at the end.
  rows.push_back({"no validation", config(6, 4, 2, 3), 100, false, {}, 0, {4, 6}, {}, {3, 6}, 6});
  // The last step a multiple of every period: one decision each, not two.
  rows.push_back(
      {"multiples", config(12, 4, 6, 12), 100, true, {}, 0, {4, 8, 12}, {6, 12}, {12}, 12});
  // Early stopping after 2 evaluations without a loss lower than the best by more than 0.1:
  // 5.0 (best), 4.0 (best), 3.95 (not by 0.1: 1), 4.2 (2) -> stops at step 8 and saves there.
  {
    Row r{"early stopping", config(20, 3, 2, 5), 100,    true, {5.0, 4.0, 3.95, 4.2}, 0,
          {3, 6},           {2, 4, 6, 8},        {5, 8}, 8};
    r.t.early_stopping = 2, r.t.early_stopping_min_delta = 0.1;
    rows.push_back(r);
  }
  // Patience 3 is not used up by 2 evaluations without improvement: the run goes to the end.
  {
    Row r{"patience left",
          config(8, 10, 2, 0),
          100,
          true,
          {5.0, 4.5, 4.6, 4.7},
          0,
          {8},
          {2, 4, 6, 8},
          {8},
          8};
    r.t.early_stopping = 3;
    rows.push_back(r);
  }
  // train.epochs: 2 epochs of 5 batches at grad_accum 2 are 10 micro-batches, 5 steps
  // (train.steps is ignored).
  {
    Row r{"epochs", config(1000, 2, 5, 2), 5, true, {}, 0, {2, 4, 5}, {5}, {2, 4, 5}, 5};
    r.t.epochs = 2, r.t.grad_accum = 2;
    rows.push_back(r);
  }
  // 1.5 epochs of 5 batches at grad_accum 2: 7.5 micro-batches' worth, rounded up to 4 steps.
  {
    Row r{"epochs rounded up", config(1000, 3, 0, 0), 5, true, {}, 0, {3, 4}, {4}, {4}, 4};
    r.t.epochs = 1.5, r.t.grad_accum = 2;
    rows.push_back(r);
  }
  return rows;
}

TEST(Scheduler, LogEvalSaveAndStopFollowTheTable) {
  for (const Row& r : table()) {
    SCOPED_TRACE(r.name);
    const Decisions d = run(r);
    EXPECT_EQ(d.log, r.log);
    EXPECT_EQ(d.eval, r.eval);
    EXPECT_EQ(d.save, r.save);
    EXPECT_EQ(d.end, r.end);
  }
}

TEST(Scheduler, StepBudgetFromStepsOrEpochs) {
  struct Case {
    double epochs;
    int64_t batches_per_epoch;
    int grad_accum;
    int64_t want;
  };
  const std::vector<Case> cases{
      {0, 7, 1, 1000},     // epochs 0: train.steps
      {1, 10, 1, 10},      // one pass
      {1, 10, 3, 4},       // 10 / 3 = 3.33 -> 4 steps (12 micro-batches)
      {2.5, 10, 2, 13},    // 25 / 2 = 12.5 -> 13
      {0.001, 10, 1, 1},   // a hundredth of a batch: at least one step
      {1.1, 100, 1, 110},  // 1.1 x 100 is 110.00000000000001 in doubles: still 110
      {0.07, 100, 1, 7},   // 7.000000000000001 in doubles
      {0.14, 100, 2, 7},   // 14.000000000000002 / 2
      {0.29, 100, 1, 29},  // 28.999999999999996 in doubles
  };
  for (const Case& c : cases) {
    TrainConfig t;
    t.steps = 1000, t.epochs = c.epochs, t.grad_accum = c.grad_accum;
    EXPECT_EQ(step_budget(t, c.batches_per_epoch), c.want)
        << c.epochs << " epochs of " << c.batches_per_epoch << " at accum " << c.grad_accum;
  }
}

TEST(Scheduler, TimedSavesFollowSaveEveryMinutes) {
  using std::chrono::seconds;
  TrainConfig t = config(100, 10, 0, 0);
  const Scheduler off(t, 100, false);
  const auto t0 = Scheduler::Clock::now();
  EXPECT_FALSE(off.minutes_passed(t0 + std::chrono::hours(24)));  // 0 = no timed saves

  t.save_every_minutes = 0.5;
  Scheduler s(t, 100, false);
  s.saved(t0);
  EXPECT_FALSE(s.minutes_passed(t0 + seconds(29)));
  EXPECT_TRUE(s.minutes_passed(t0 + seconds(30)));
  s.saved(t0 + seconds(30));  // the clock restarts at each save
  EXPECT_FALSE(s.minutes_passed(t0 + seconds(59)));
  EXPECT_TRUE(s.minutes_passed(t0 + seconds(60)));
  // A timed save is due at any step, a multiple of save_every or not.
  EXPECT_TRUE(s.save_due(7, false, true));
  EXPECT_FALSE(s.save_due(7, false, false));
}

TEST(Scheduler, MoreUntilTheBudgetOrAnEarlyStop) {
  const Scheduler s(config(3, 1, 0, 0), 3, true);
  EXPECT_EQ(s.total_steps(), 3);
  EXPECT_TRUE(s.more(0, false));
  EXPECT_TRUE(s.more(2, false));
  EXPECT_FALSE(s.more(3, false));
  EXPECT_FALSE(s.more(4, false));  // resumed with a smaller budget
  EXPECT_FALSE(s.more(1, true));
  EXPECT_TRUE(s.is_last(3));
  EXPECT_FALSE(s.is_last(2));
}

}  // namespace
}  // namespace bertforge
