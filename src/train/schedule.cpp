#include "train/schedule.h"

#include <algorithm>
#include <cmath>

namespace bertforge {

double Schedule::lr_at(int64_t step) const {
  // Warmup: lr rises linearly, reaching the peak at step warmup_steps (HF's convention:
  // lr = peak * (step + 1) / warmup would never start at 0; we use step / warmup like HF).
  if (warmup_steps > 0 && step < warmup_steps)
    return peak_lr * static_cast<double>(step) / static_cast<double>(warmup_steps);
  if (kind == "constant") return peak_lr;
  if (kind == "wsd") {
    const int64_t decay_start = std::max(warmup_steps, total_steps - decay_steps);
    if (step < decay_start) return peak_lr;
    const double span = static_cast<double>(std::max<int64_t>(1, total_steps - decay_start));
    return peak_lr * std::clamp(1.0 - static_cast<double>(step - decay_start) / span, 0.0, 1.0);
  }
  const double span = static_cast<double>(std::max<int64_t>(1, total_steps - warmup_steps));
  const double progress =
      std::clamp(static_cast<double>(step - warmup_steps) / span, 0.0, 1.0);  // 0 -> 1
  if (kind == "cosine") return peak_lr * 0.5 * (1.0 + std::cos(M_PI * progress));
  return peak_lr * (1.0 - progress);  // linear
}

int64_t resolve_warmup(int64_t warmup_steps, int64_t total_steps, double warmup_ratio) {
  if (warmup_steps >= 0) return warmup_steps;
  // The small epsilon keeps e.g. 0.07 x 100 at 7 despite 0.07 being 0.07000000000000000666...
  return std::max<int64_t>(1, static_cast<int64_t>(warmup_ratio * total_steps + 1e-9));
}

}  // namespace bertforge
