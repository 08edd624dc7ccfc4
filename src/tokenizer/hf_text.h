// Text with its alignment to the original input, and the Unicode helpers of the HuggingFace
// tokenizer.json reader (tokenizer/hf_tokenizer.h). Torch-free; Unicode data from ICU.
//
// NormText is the `tokenizers` library's NormalizedString: the current text (UTF-8) and, for each
// of its bytes, the original byte range it came from. Every normalizer and pre-tokenizer step
// goes through transform() with the same "change" convention as the library (0: replaces the
// current char, +1: inserted after the previous one, -N: replaces one and removes N after it), so
// token offsets map back to the original text as the library maps them.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace bertforge::hf {

struct Span {
  uint32_t start = 0, end = 0;  // original byte offsets, end exclusive
};

struct Change {
  char32_t cp;
  int change;
};

struct NormText {
  std::string text;
  std::vector<Span> align;  // one per byte of text

  // `s` as it is, its byte i mapped to its own char's range shifted by `base`.
  static NormText original(std::string_view s, uint32_t base = 0);
  // Replaces the text by `dest` (see the top of this file); `initial_removed` chars at the start
  // are dropped.
  void transform(const std::vector<Change>& dest, size_t initial_removed = 0);
  // Bytes [b, e) of the text (on char boundaries) with their alignment.
  NormText slice(size_t b, size_t e) const;
  // The original range of bytes [b, e) of the text (b < e).
  Span to_original(size_t b, size_t e) const;
  bool empty() const { return text.empty(); }
  // Each char with change 0 (for building a transform).
  std::vector<Change> chars() const;
};

// UTF-8 (the text is valid UTF-8 throughout: the encoder replaces invalid bytes first).
size_t utf8_len(unsigned char lead);
char32_t utf8_at(std::string_view s, size_t i, size_t* len);
void utf8_append(std::string* out, char32_t cp);
// `s` with each invalid UTF-8 sequence replaced by U+FFFD (unchanged when valid).
std::string utf8_sanitize(std::string_view s);
bool utf8_valid(std::string_view s);
// Number of code points in s[0, byte_offset).
size_t utf8_count(std::string_view s, size_t byte_offset);
// The end byte offsets of the extended grapheme clusters of valid UTF-8 `s` (ICU's character
// break rules, as the `unicode-segmentation` crate's graphemes(true)); empty for empty `s`.
std::vector<size_t> grapheme_ends(std::string_view s);

// Unicode properties as the Rust standard library and the library's normalizers define them.
bool is_whitespace(char32_t c);       // White_Space
bool is_other(char32_t c);            // category C*
bool is_mark(char32_t c);             // category M*
bool is_nonspacing_mark(char32_t c);  // Mn
bool is_punctuation(char32_t c);      // ASCII punctuation or category P*
bool is_numeric(char32_t c);          // Nd, Nl, No
bool is_alphabetic(char32_t c);       // Alphabetic
bool is_word_char(char32_t c);        // regex \w: Alphabetic, M*, Nd, Pc, Join_Control
// Full lowercase mapping of one char (may be several chars).
void to_lower(char32_t c, std::vector<char32_t>* out);

enum class NormForm { kNFC, kNFD, kNFKC, kNFKD };
// The text normalized, as changes: each char fully decomposed (its first char replaces it, the
// rest are new), marks put in canonical order, then (NFC, NFKC) composed, a composite taking the
// alignment of the chars it absorbs.
void unicode_normalize(const NormText& t, NormForm form, std::vector<Change>* out);

}  // namespace bertforge::hf
