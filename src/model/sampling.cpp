#include "model/sampling.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>

#include "runtime/random.h"

namespace bertforge {

int32_t choose_token(std::vector<float> logits, const SamplingOptions& o, Rng& rng) {
  std::vector<int32_t> order(logits.size());
  std::iota(order.begin(), order.end(), 0);
  order.erase(std::remove_if(order.begin(), order.end(),
                             [&](int32_t i) { return !std::isfinite(logits[i]); }),
              order.end());
  if (order.empty()) throw std::invalid_argument("no token has a finite score");
  // Most likely first; ties by id, so that the choice never depends on the sort.
  std::stable_sort(order.begin(), order.end(),
                   [&](int32_t a, int32_t b) { return logits[a] > logits[b]; });
  if (o.temperature <= 0) return order.front();
  if (o.top_k > 0 && static_cast<size_t>(o.top_k) < order.size()) order.resize(o.top_k);
  std::vector<double> p(order.size());
  const double top = logits[order.front()];
  for (size_t i = 0; i < order.size(); ++i)
    p[i] = std::exp((logits[order[i]] - top) / o.temperature);
  double total = std::accumulate(p.begin(), p.end(), 0.0);
  if (o.top_p < 1.0) {  // the nucleus: the first tokens whose mass reaches top_p
    double mass = 0;
    size_t keep = 0;
    while (keep < p.size() && (keep == 0 || mass < o.top_p * total)) mass += p[keep++];
    p.resize(keep), order.resize(keep);
    total = mass;
  }
  double u = rng.uniform() * total;
  for (size_t i = 0; i < p.size(); ++i) {
    if (u < p[i]) return order[i];
    u -= p[i];
  }
  return order.back();  // rounding: u landed past the last mass
}

}  // namespace bertforge
