// Fuzz target: the SentencePiece protobuf reader `bertforge export` uses for tokenizer.json
// (src/tokenizer/spm_proto.h). A refusal is a bertforge::Error; an accepted model has pieces.
// Anything else escaping (an out-of-range read, a std::length_error) is a finding.
#include <cstdint>
#include <string>

#include "errors/errors.h"
#include "tokenizer/spm_proto.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  try {
    const bertforge::SpmProto m = bertforge::parse_spm_proto(bytes, "fuzz.model");
    if (m.pieces.empty()) __builtin_trap();
    size_t total = 0;
    for (const auto& p : m.pieces) total += p.piece.size();
    if (total > size) __builtin_trap();
  } catch (const bertforge::Error&) {
  }
  return 0;
}
