// The best validation loss of a run and early stopping on it (Marian's --early-stopping, HF's
// EarlyStoppingCallback). Plain data kept in every checkpoint, so a resumed run decides exactly as
// the uninterrupted one. Torch-free.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>

namespace bertforge {

struct BestLoss {
  double loss = 0;   // lowest finite validation MLM loss so far (valid when step > 0)
  int64_t step = 0;  // the step it was measured at; 0 = no evaluation yet
  int evals_without_improvement = 0;

  // Records an evaluation at `at_step`. True when it is the new best: finite, and lower than the
  // best by more than `min_delta` (any finite loss is the first best). Otherwise counts it.
  bool update(double value, int64_t at_step, double min_delta);
  // True when `patience` > 0 evaluations in a row did not improve.
  bool exhausted(int patience) const {
    return patience > 0 && evals_without_improvement >= patience;
  }

  nlohmann::json to_json() const;  // {"mlm_loss": x|null, "step", "evals_without_improvement"}
  static BestLoss from_json(const nlohmann::json& j);  // null/absent = no evaluation yet
};

}  // namespace bertforge
