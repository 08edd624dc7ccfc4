#include "train/scheduler.h"

#include <algorithm>
#include <cmath>

#include "config/config.h"

namespace bertforge {

int64_t step_budget(const TrainConfig& t, int64_t batches_per_epoch) {
  if (t.epochs <= 0) return t.steps;
  const double steps = t.epochs * static_cast<double>(batches_per_epoch) / t.grad_accum;
  const double whole = std::round(steps);
  const bool rounding = std::abs(steps - whole) <= 1e-9 * std::max(1.0, whole);
  return std::max<int64_t>(1, static_cast<int64_t>(rounding ? whole : std::ceil(steps)));
}

Scheduler::Scheduler(const TrainConfig& t, int64_t total_steps, bool has_valid)
    : total_(total_steps),
      log_every_(t.log_every),
      eval_every_(t.eval_every),
      save_every_(t.save_every),
      save_every_minutes_(t.save_every_minutes),
      has_valid_(has_valid) {}

bool Scheduler::log_due(int64_t step) const { return step % log_every_ == 0 || is_last(step); }

bool Scheduler::eval_due(int64_t step) const {
  return has_valid_ && ((eval_every_ > 0 && step % eval_every_ == 0) || is_last(step));
}

bool Scheduler::save_due(int64_t step, bool stopped_early, bool timed) const {
  return (save_every_ > 0 && step % save_every_ == 0) || is_last(step) || stopped_early || timed;
}

bool Scheduler::minutes_passed(Clock::time_point now) const {
  return save_every_minutes_ > 0 &&
         now - last_save_ >= std::chrono::duration<double>(60 * save_every_minutes_);
}

}  // namespace bertforge
