#include "train/objective.h"

#include <cmath>
#include <limits>

#include "config/config.h"

namespace bertforge {

ObjectivePlan::ObjectivePlan(const TrainConfig& t, int64_t total_steps) {
  if (t.objective == "clm") {
    clm_steps_ = std::numeric_limits<int64_t>::max();
  } else if (t.objective == "clm_then_mlm") {
    clm_steps_ = std::llround(t.clm_share * static_cast<double>(total_steps));
    switch_step_ = clm_steps_;
  }
}

bool ends_causal(const std::string& objective) { return objective == "clm"; }

}  // namespace bertforge
