// Fuzz target: the SentencePiece precompiled character map reader of tokenizer.json's Precompiled
// normalizer and of SentencePiece models (src/tokenizer/hf_precompiled.h). A refusal is a
// std::invalid_argument; an accepted map then normalizes hostile texts (every lookup stays inside
// the map, the result is UTF-8 with one alignment entry per byte). Anything else escaping is a
// finding.
#include <cstdint>
#include <stdexcept>
#include <string>

#include "tokenizer/hf_precompiled.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  using bertforge::hf::NormText;
  using bertforge::hf::PrecompiledCharsmap;
  try {
    const PrecompiledCharsmap map = PrecompiledCharsmap::parse(bytes);
    // The input's own valid prefix as text too: keys the fuzzer put in the map get looked up.
    std::string own = bytes.substr(0, 64);
    own = bertforge::hf::utf8_sanitize(own);
    for (const std::string& text :
         {std::string("plain ascii\r\n\t"),
          std::string("A\xCC\x81 \xEF\xAC\x81 \xEF\xBD\xB6\xCC\x81"),
          std::string("\xF0\x9F\x91\x8D\xF0\x9F\x8F\xBD \xE0\xA4\x95\xE0\xA5\x8D\xE0\xA4\xB7"),
          std::string("\x01\x02 x \xE3\x80\x80"), own}) {
      NormText t = NormText::original(text);
      map.apply(t);
      if (t.align.size() != t.text.size() || !bertforge::hf::utf8_valid(t.text)) __builtin_trap();
      if (map.normalize(text) != t.text) __builtin_trap();
    }
  } catch (const std::invalid_argument&) {
  }
  return 0;
}
