#include "train/eval_sets.h"

#include <nlohmann/json.hpp>

#include "config/config.h"
#include "data/context_counts.h"
#include "train/run_start.h"

namespace bertforge {

std::vector<SetMetrics> evaluate_sets(PreTrainingModel& model, const RunInputs& in,
                                      const Config& config, const c10::Device& device, bool causal,
                                      int64_t step, Distributed* dist) {
  const ContextCounts* counts = in.counts ? &*in.counts : nullptr;
  const int64_t batches = config.train.eval_batches;
  std::vector<SetMetrics> out;
  auto score = [&](const std::string& name, const Dataset& data) {
    EvalMetrics m =
        evaluate_model(model, data, config, in.tok, device, batches, dist, counts, causal);
    m.step = step;
    out.push_back({name, m});
  };
  if (in.valid) score(kDefaultValidSet, *in.valid);
  for (const NamedValidSet& s : in.sets) score(s.name, s.data);
  return out;
}

const EvalMetrics* find_set(const std::vector<SetMetrics>& results, const std::string& name) {
  for (const SetMetrics& r : results)
    if (r.name == name) return &r.metrics;
  return nullptr;
}

nlohmann::json eval_row(const SetMetrics& r) {
  nlohmann::json row = r.metrics.to_json();
  if (r.name != kDefaultValidSet) row["set"] = r.name;
  return row;
}

std::string set_summary(const SetMetrics& r, bool nsp) {
  const std::string s = eval_summary(r.metrics, nsp);
  if (r.name == kDefaultValidSet) return s;
  // "eval step 300: ..." -> "eval step 300 [general]: ..."
  const size_t colon = s.find(':');
  return colon == std::string::npos ? s
                                    : s.substr(0, colon) + " [" + r.name + "]" + s.substr(colon);
}

}  // namespace bertforge
