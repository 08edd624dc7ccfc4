// The over-specialisation guard (train.guard_set, train.guard_max_rise): a domain continuation
// stops once the loss of a general validation set has risen more than a fraction above its value
// at the start of the run. The reference is measured by an evaluation before the first step and
// kept in every checkpoint (TrainState), so a resumed run compares with the same value. Plain
// data and a pure decision; torch-free.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

namespace bertforge {

struct GuardState {
  std::string set;                  // the guarded validation set; "" = no reference yet
  std::string metric = "mlm_loss";  // the loss compared: mlm_loss | clm_loss
  double loss = 0;                  // its value at the reference evaluation
  int64_t step = 0;                 // the step of the reference evaluation
  bool has_last = false;            // an evaluation after the reference was recorded
  double last_loss = 0;             // the guarded set's loss at the latest evaluation
  int64_t last_step = 0;

  bool has_reference() const { return !set.empty(); }
  // Records the guarded set's loss of an evaluation at `at_step`.
  void observe(double value, int64_t at_step) {
    has_last = true, last_loss = value, last_step = at_step;
  }
  // {"set", "metric", "loss", "step", "last_loss", "last_step"}; null without a reference.
  // A non-finite loss is written as null.
  nlohmann::json to_json() const;
  static GuardState from_json(const nlohmann::json& j);  // null/absent = no reference
};

struct GuardVerdict {
  bool stop = false;
  double rise = 0;     // (last - reference) / reference
  std::string reason;  // "over-specialisation: general mlm_loss 4.1200 is 7.3% above ..."
};

// Whether the run must stop: `max_rise` > 0, a reference with a positive finite loss, and the
// latest loss more than max_rise x the reference above it (or not finite).
GuardVerdict guard_verdict(const GuardState& g, double max_rise);

}  // namespace bertforge
