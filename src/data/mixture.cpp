#include "data/mixture.h"

#include <algorithm>
#include <numeric>

#include "config/config.h"
#include "data/dataset.h"
#include "errors/errors.h"
#include "runtime/random.h"

namespace bertforge {
namespace {
constexpr uint64_t kMixPurpose = 0x4d495846;  // "MIXF"

std::string names(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& n : v) out += (out.empty() ? "'" : ", '") + n + "'";
  return out.empty() ? "none" : out;
}
}  // namespace

std::vector<int64_t> mixture_counts(const std::vector<double>& weights, int64_t total) {
  long double sum = 0;
  for (double w : weights) sum += w;
  std::vector<int64_t> k(weights.size(), 0);
  std::vector<long double> frac(weights.size(), 0);
  int64_t given = 0;
  for (size_t s = 0; s < weights.size(); ++s) {
    const long double q = static_cast<long double>(total) * weights[s] / sum;
    k[s] = static_cast<int64_t>(q);
    frac[s] = q - static_cast<long double>(k[s]);
    given += k[s];
  }
  std::vector<size_t> order(weights.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return frac[a] > frac[b]; });
  for (size_t i = 0; given < total && i < order.size(); ++i, ++given) ++k[order[i]];
  return k;
}

MixedPlan mixture_plan(const ExampleBuilder& builder, const std::vector<MixSource>& sources,
                       uint64_t seed, int64_t epoch) {
  std::vector<std::vector<ExampleSpec>> plans;
  std::vector<double> weights;
  int64_t total = 0;
  for (const MixSource& s : sources) {
    plans.push_back(builder.plan(epoch, s.begin, s.end));
    weights.push_back(s.weight);
    total += static_cast<int64_t>(plans.back().size());
  }
  MixedPlan out;
  out.examples_per_source = mixture_counts(weights, total);
  out.examples.reserve(static_cast<size_t>(total));
  out.source.reserve(static_cast<size_t>(total));
  for (size_t s = 0; s < sources.size(); ++s) {
    const int64_t want = out.examples_per_source[s];
    const std::vector<ExampleSpec>& p = plans[s];
    if (want > 0 && p.empty())
      throw RuntimeError("data source '" + sources[s].name + "' makes no training examples (" +
                             std::to_string(sources[s].end - sources[s].begin) +
                             " documents in the training split)",
                         "give it more text, or weight 0");
    std::vector<uint32_t> order(p.size());
    for (uint64_t pass = 0, taken = 0; static_cast<int64_t>(taken) < want; ++pass) {
      std::iota(order.begin(), order.end(), uint32_t{0});
      Rng rng = Rng::derive(seed, {kMixPurpose, static_cast<uint64_t>(epoch), s, pass});
      shuffle(order, rng);
      for (size_t i = 0; i < order.size() && static_cast<int64_t>(taken) < want; ++i, ++taken) {
        out.examples.push_back(p[order[i]]);
        out.source.push_back(static_cast<uint16_t>(s));
      }
    }
  }
  return out;
}

std::vector<MixSource> mix_sources(const Dataset& data, const DataConfig& d) {
  std::vector<MixSource> out;
  if (d.sources.empty()) return out;
  std::vector<std::string> want, have;
  for (const auto& s : d.sources) want.push_back(s.name);
  for (const auto& r : data.sources()) have.push_back(r.name);
  if (want != have)
    throw ConfigError(
        "data.sources",
        "names the sources " + names(want) + " but the prepared data holds " + names(have),
        "re-run `bertforge prepare` after changing data.sources");
  for (size_t i = 0; i < d.sources.size(); ++i)
    out.push_back({have[i], data.sources()[i].begin, data.sources()[i].end, d.sources[i].weight});
  return out;
}

}  // namespace bertforge
