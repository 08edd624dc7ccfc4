// Learning-rate schedules: linear warmup, then linear decay to 0, cosine decay to 0, constant, or
// warmup-stable-decay (wsd: the peak until the last decay_steps, then linear to 0).
// A pure function of the step, so a resumed run needs no scheduler state beyond the step.
#pragma once

#include <cstdint>
#include <string>

namespace bertforge {

struct Schedule {
  std::string kind = "linear";  // linear | cosine | constant | wsd
  double peak_lr = 1e-4;
  int64_t warmup_steps = 0;
  int64_t total_steps = 1;
  int64_t decay_steps = 0;  // wsd: steps of the final linear decay
  // Learning rate for optimizer step `step` (0-based: the first update uses step 0).
  double lr_at(int64_t step) const;
};

// Resolves train.warmup_steps = -1: warmup_ratio of the steps (rounded down), at least 1.
int64_t resolve_warmup(int64_t warmup_steps, int64_t total_steps, double warmup_ratio = 0.01);

}  // namespace bertforge
