// Base64 (RFC 4648, standard alphabet, '=' padding): how tokenizer.json stores a SentencePiece
// precompiled character map. Torch-free.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace bertforge {

std::string base64_encode(std::string_view bytes);
// The decoded bytes, or nothing when `text` is not base64 (a character outside the alphabet, a
// length that is not a multiple of 4, padding anywhere but at the end, or non-zero bits that the
// padding drops). Whitespace is not allowed.
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace bertforge
