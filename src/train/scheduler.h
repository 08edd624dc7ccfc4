// Decides, after each optimizer step, whether to log, evaluate and save, and when the run stops
// (Marian's Scheduler): the one place that reads train.log_every, eval_every, save_every,
// save_every_minutes and the step budget. Torch-free.
#pragma once

#include <chrono>
#include <cstdint>

namespace bertforge {

struct TrainConfig;

// The run's step budget: train.steps, or with train.epochs > 0 the optimizer steps that cover
// epochs x `batches_per_epoch` micro-batches (rounded up, at least 1; a product that float
// arithmetic puts a hair above a whole number, such as 1.1 x 100, counts as that number).
int64_t step_budget(const TrainConfig& t, int64_t batches_per_epoch);

class Scheduler {
 public:
  using Clock = std::chrono::steady_clock;
  // `total_steps`: the run's step budget; `has_valid`: whether there is validation data.
  Scheduler(const TrainConfig& t, int64_t total_steps, bool has_valid);

  int64_t total_steps() const { return total_; }
  bool is_last(int64_t step) const { return step == total_; }
  // Whether the run goes on after `step` steps (and early stopping has not ended it).
  bool more(int64_t step, bool stopped_early) const { return step < total_ && !stopped_early; }
  bool log_due(int64_t step) const;
  bool eval_due(int64_t step) const;
  // `timed`: train.save_every_minutes has passed on some rank (see minutes_passed).
  bool save_due(int64_t step, bool stopped_early, bool timed) const;
  // Whether train.save_every_minutes has passed since the last save (false when it is 0).
  bool minutes_passed(Clock::time_point now) const;
  void saved(Clock::time_point now) { last_save_ = now; }

 private:
  int64_t total_, log_every_, eval_every_, save_every_;
  double save_every_minutes_;
  bool has_valid_;
  Clock::time_point last_save_ = Clock::now();
};

}  // namespace bertforge
