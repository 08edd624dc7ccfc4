#include "train/early_stopping.h"

#include <cmath>

namespace bertforge {

bool BestLoss::update(double value, int64_t at_step, double min_delta) {
  const bool improved = std::isfinite(value) && (step == 0 || value < loss - min_delta);
  if (!improved) {
    ++evals_without_improvement;
    return false;
  }
  loss = value, step = at_step, evals_without_improvement = 0;
  return true;
}

nlohmann::json BestLoss::to_json() const {
  return {{"mlm_loss", step > 0 ? nlohmann::json(loss) : nlohmann::json()},
          {"step", step},
          {"evals_without_improvement", evals_without_improvement}};
}

BestLoss BestLoss::from_json(const nlohmann::json& j) {
  BestLoss b;
  if (j.is_null() || j.empty()) return b;
  b.step = j.at("step");
  if (b.step > 0) b.loss = j.at("mlm_loss");
  b.evals_without_improvement = j.at("evals_without_improvement");
  return b;
}

}  // namespace bertforge
