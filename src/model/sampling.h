// Choosing the next token from a causal LM's scores (`bertforge generate`): greedy, or sampled
// with temperature, top-k and top-p (nucleus) from an explicit, seeded generator. Torch-free.
#pragma once

#include <cstdint>
#include <vector>

namespace bertforge {

class Rng;

struct SamplingOptions {
  double temperature = 0;  // 0 = greedy (argmax); > 0 divides the logits before the softmax
  int top_k = 0;           // keep the k most likely tokens; 0 = all
  double top_p = 1.0;      // keep the smallest set of most likely tokens whose mass >= top_p
};

// The chosen id. `logits` holds one score per id; ids whose score is -infinity are never chosen
// (e.g. [PAD]). Greedy returns the lowest id among equal maxima. Sampling draws one uniform number
// from `rng`. Throws std::invalid_argument when no id has a finite score.
int32_t choose_token(std::vector<float> logits, const SamplingOptions& options, Rng& rng);

}  // namespace bertforge
