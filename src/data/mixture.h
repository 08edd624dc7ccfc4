// Weighted mixing of named sources (data.sources) into one training epoch.
//
// Epoch e: source s, the documents [begin_s, end_s) of the training split, has its own plan P_s =
// ExampleBuilder::plan(e, begin_s, end_s) of n_s examples. The epoch holds N = sum(n_s) examples,
// k_s of them from source s, k_s = N * w_s / sum(w) rounded by largest remainder (sum(k) = N).
// Source s gives the first k_s examples of an endless run of permutations of P_s, pass r shuffled
// by Rng::derive(seed, {kMixPurpose, e, s, r}): a source smaller than its share is repeated (each
// repetition in a new order), a larger one is subsampled (a different subset each epoch). The
// loader then shuffles the epoch as a whole, as it does without sources, so every example is a
// draw from source s with probability w_s / sum(w). A pure function of (seed, epoch, data,
// weights): resuming at a loader position needs nothing else.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "data/example_builder.h"

namespace bertforge {

class Dataset;
struct DataConfig;

struct MixSource {
  std::string name;
  uint64_t begin = 0, end = 0;  // documents of the training split
  double weight = 1.0;
};

// One mixed epoch: the examples (in source order), the source of each, and the count per source.
struct MixedPlan {
  std::vector<ExampleSpec> examples;
  std::vector<uint16_t> source;  // index into the sources, per example
  std::vector<int64_t> examples_per_source;
};

// k_s for `total` examples: proportional to `weights` (>= 0, positive sum), largest remainder,
// ties to the earlier source; sums to `total`.
std::vector<int64_t> mixture_counts(const std::vector<double>& weights, int64_t total);

// The mixed plan of `epoch`. Throws RuntimeError when a source with a positive weight makes no
// example.
MixedPlan mixture_plan(const ExampleBuilder& builder, const std::vector<MixSource>& sources,
                       uint64_t seed, int64_t epoch);

// The named sources of `data` (the training split) with the weights of data.sources, in order;
// empty when data.sources is empty. Throws ConfigError when the prepared data was made from other
// sources (re-run prepare).
std::vector<MixSource> mix_sources(const Dataset& data, const DataConfig& d);

}  // namespace bertforge
