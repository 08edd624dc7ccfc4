// `bertforge generate`: continues a prompt with a model trained as a causal LM (train.objective
// clm or clm_then_mlm): [CLS] + the prompt's tokens, then one token at a time from the scores at
// the last position under causal attention, until [SEP], max_new_tokens or the model's
// max_position. An MLM-only model is refused: it never learned to predict a token from the left
// context alone.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "model/sampling.h"

namespace bertforge {

struct GenerateOptions {
  int max_new_tokens = 32;
  SamplingOptions sampling;  // temperature 0: greedy
  uint64_t seed = 0;         // the sampling generator's seed
};

struct Generation {
  std::vector<int> prompt_ids;  // without [CLS]
  std::vector<int> new_ids;     // the continuation (without the stopping [SEP])
  std::vector<std::string> new_pieces;
  std::string text;          // the prompt and its continuation, decoded
  std::string continuation;  // the continuation alone, decoded
  std::string stop;          // "sep" | "max_new_tokens" | "max_position"
};

// Throws UsageError for an MLM-only checkpoint, an empty prompt or option out of range.
Generation generate(const std::string& checkpoint, const std::string& prompt,
                    const GenerateOptions& options);

// Prints generate's result: the text, or one JSON object (text, continuation, prompt_ids, ids,
// pieces, stop).
int generate_command(const std::string& checkpoint, const std::string& prompt,
                     const GenerateOptions& options, bool as_json);

}  // namespace bertforge
