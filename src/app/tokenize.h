// `bertforge tokenize`: the ids and pieces of a text (or of each line of a file of JSON strings)
// under a model's tokenizer or a run's; and `bertforge vocab-candidates`: the frequent corpus words
// a tokenizer splits into the most pieces (candidates for tokenizer.add_tokens).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "config/config.h"

namespace bertforge {

struct TokenizeRequest {
  std::string checkpoint;     // a model (any path load_pretrained reads) or a tokenizer file; or
  std::optional<Config> run;  // the run whose tokenizer (or tokenizer.model) to use
  std::string text;           // one text; or
  std::string lines;          // a file of JSON strings, one a line (prints JSON Lines)
  bool json = false;          // print {"ids", "pieces"(, "offsets")}
  bool specials = false;      // tokenizer.json: add its post-processor's special tokens
  // With a second text: print the model input of the pair (text, pair) as finetune and predict
  // build it, in the model's architecture's layout (tokenizer/pair_template.h), with token types.
  std::string pair;
};

int run_tokenize_command(const TokenizeRequest& request);

// Lists the `top` words of `files` that `checkpoint`'s tokenizer splits the most, as a TSV table.
int run_vocab_candidates_command(const std::string& checkpoint,
                                 const std::vector<std::string>& files, int top);

}  // namespace bertforge
