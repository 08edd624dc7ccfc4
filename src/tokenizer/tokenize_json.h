// `bertforge tokenize --json` and `--lines`: a text's ids, pieces and (tokenizer.json) char
// offsets as JSON. Torch-free.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace bertforge {

class Tokenizer;

// {"ids": [...], "pieces": [...]}, plus "offsets": [[start, end], ...] (char offsets into `text`,
// as HF's tokenizers report them) for a tokenizer.json. `specials` (tokenizer.json only) adds
// the post-processor's special tokens.
nlohmann::json tokenize_json(const Tokenizer& tok, std::string_view text, bool specials);

// Reads `file`, one JSON string a line, and prints one tokenize_json object a line to stdout.
// Throws InputError naming the file and line for a line that is not a JSON string. Returns 0.
int tokenize_lines(const Tokenizer& tok, const std::string& file, bool specials);

}  // namespace bertforge
