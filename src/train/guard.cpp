#include "train/guard.h"

#include <spdlog/fmt/fmt.h>

#include <cmath>
#include <limits>

namespace bertforge {
using json = nlohmann::json;

namespace {
json finite_or_null(double v) { return std::isfinite(v) ? json(v) : json(); }
double number_or_nan(const json& v) {
  return v.is_number() ? v.get<double>() : std::numeric_limits<double>::quiet_NaN();
}
}  // namespace

json GuardState::to_json() const {
  if (!has_reference()) return json();
  json j = {{"set", set}, {"metric", metric}, {"loss", finite_or_null(loss)}, {"step", step}};
  if (has_last) j["last_loss"] = finite_or_null(last_loss), j["last_step"] = last_step;
  return j;
}

GuardState GuardState::from_json(const json& j) {
  GuardState g;
  if (j.is_null() || j.empty()) return g;
  g.set = j.at("set").get<std::string>();
  g.metric = j.value("metric", std::string("mlm_loss"));
  g.loss = number_or_nan(j.at("loss"));
  g.step = j.at("step").get<int64_t>();
  if (j.contains("last_step")) {
    g.has_last = true;
    g.last_loss = number_or_nan(j.at("last_loss"));
    g.last_step = j.at("last_step").get<int64_t>();
  }
  return g;
}

GuardVerdict guard_verdict(const GuardState& g, double max_rise) {
  GuardVerdict v;
  if (!(max_rise > 0) || !g.has_reference() || !g.has_last) return v;
  if (!(std::isfinite(g.loss) && g.loss > 0)) return v;  // no reference to compare with
  const std::string limit = fmt::format("train.guard_max_rise {:g}", max_rise);
  if (!std::isfinite(g.last_loss)) {
    v.stop = true;
    v.rise = std::numeric_limits<double>::infinity();
    v.reason = fmt::format("over-specialisation: {} {} is not finite ({:.4f} at step {}; {})",
                           g.set, g.metric, g.loss, g.step, limit);
    return v;
  }
  v.rise = (g.last_loss - g.loss) / g.loss;
  v.stop = v.rise > max_rise;
  v.reason = fmt::format("over-specialisation: {} {} {:.4f} is {:.1f}% {} {:.4f} at step {} ({})",
                         g.set, g.metric, g.last_loss, std::abs(v.rise) * 100,
                         v.rise >= 0 ? "above" : "below", g.loss, g.step, limit);
  return v;
}

}  // namespace bertforge
