// Fuzz target: a HuggingFace tokenizer.json as `tokenizer.model` adopts it
// (src/tokenizer/hf_tokenizer.cpp and the hf_* components): HfTokenizer::parse, then encode and
// decode of a few texts (and of the input's first bytes as text). A refusal is a bertforge::Error;
// an accepted tokenizer must give ids inside its vocabulary and offsets inside the text, else the
// target traps. Anything else escaping (a JSON type error, std::out_of_range, UB) is a finding.
#include <cstdint>
#include <string>

#include "errors/errors.h"
#include "tokenizer/hf_tokenizer.h"

namespace {

void check(const bertforge::HfTokenizer& t, const std::string& text, bool specials) {
  const bertforge::HfTokenizer::Encoding e = t.encode(text, specials);
  if (e.ids.size() != e.offsets.size()) __builtin_trap();
  for (size_t i = 0; i < e.ids.size(); ++i) {
    if (e.ids[i] < 0 || e.ids[i] >= t.vocab_size()) __builtin_trap();
    if (e.offsets[i].first > e.offsets[i].second || e.offsets[i].second > text.size())
      __builtin_trap();
  }
  std::vector<int> ids;
  t.encode_ids(text, &ids);
  if (!specials && ids != e.ids) __builtin_trap();
  t.decode(ids);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  try {
    const bertforge::HfTokenizer t = bertforge::HfTokenizer::parse(bytes, "fuzz/tokenizer.json");
    check(t, "Hello wörld, it's 1990!  \n\t<mask> [MASK] 👍🏽 漢字 a\xCC\x81", false);
    check(t, "Hello wörld <s> </s>", true);
    check(t, bytes.substr(0, 64), false);
  } catch (const bertforge::Error&) {
  }
  return 0;
}
