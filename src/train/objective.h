// Which loss each step of pre-training takes (train.objective):
//   mlm           masked LM at every step (+ NSP when data.nsp);
//   clm           causal LM at every step (data/causal.h: causal attention, next-token loss);
//   clm_then_mlm  causal LM for the first round(clm_share x total steps), masked LM after: one
//                 run, one learning-rate schedule, resumable at any step (the plan is a function of
//                 the config and the run's total steps only).
#pragma once

#include <cstdint>
#include <string>

namespace bertforge {

struct TrainConfig;

class ObjectivePlan {
 public:
  ObjectivePlan() = default;
  ObjectivePlan(const TrainConfig& t, int64_t total_steps);
  // Whether step `step` (0-based) is a causal-LM step.
  bool causal(int64_t step) const { return step < clm_steps_; }
  const char* name(int64_t step) const { return causal(step) ? "clm" : "mlm"; }
  // The first MLM step after a CLM phase (clm_then_mlm), else -1.
  int64_t switch_step() const { return switch_step_; }

 private:
  int64_t clm_steps_ = 0;  // steps [0, clm_steps_) are CLM
  int64_t switch_step_ = -1;
};

// Whether a model trained with `objective` (train.objective) was last trained causally: what
// `evaluate` scores and what `generate` accepts.
bool ends_causal(const std::string& objective);

}  // namespace bertforge
