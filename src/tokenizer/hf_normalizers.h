// tokenizer.json normalizers and pre-tokenizers, built from their JSON. Each one does what the
// `tokenizers` library's component of the same "type" does, alignment included (hf_text.h); an
// unknown type is a FormatError naming it and its JSON path. Torch-free.
//   normalizers:     BertNormalizer, NFC, NFD, NFKC, NFKD, Lowercase, StripAccents, Replace,
//                    Prepend, Strip, Precompiled (tokenizer/hf_precompiled.h), Sequence
//   pre-tokenizers:  ByteLevel, BertPreTokenizer, Whitespace, WhitespaceSplit, Metaspace, Split,
//                    Digits, Punctuation, Sequence
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "tokenizer/hf_json.h"
#include "tokenizer/hf_text.h"

namespace bertforge::hf {

// A piece of the input on its way to the model: text with alignment, and the id of an added token
// when the piece is one (then no later step touches it).
struct Piece {
  NormText t;
  int id = -1;
};

using Normalizer = std::function<void(NormText&)>;
using PreTokenizer = std::function<void(std::vector<Piece>&)>;

// Null JSON: no normalizer (an empty function).
Normalizer make_normalizer(const json& j, const std::string& path);
PreTokenizer make_pre_tokenizer(const json& j, const std::string& path);

// How a pre-tokenizer keeps the delimiters it splits at (the library's SplitDelimiterBehavior).
enum class Behavior { kRemoved, kIsolated, kMergedWithPrevious, kMergedWithNext, kContiguous };
// Splits `t` at `matches` (byte ranges with is_match, covering the text) as `b` says; empty
// results are dropped.
void split_at(const NormText& t, const std::vector<std::pair<Span, bool>>& matches, Behavior b,
              std::vector<NormText>* out);

class Regex;
// Replaces every match of `re` in `t` by `content` (the library's NormalizedString::replace: the
// new chars take the alignment of the match's last byte).
void replace_all(NormText& t, const Regex& re, const std::string& content);
// {"String": literal} or {"Regex": pattern}.
std::shared_ptr<Regex> pattern_regex(const json& j, const std::string& path);

// The GPT-2 byte-to-char table of the ByteLevel components.
const char32_t* byte_to_char();

}  // namespace bertforge::hf
