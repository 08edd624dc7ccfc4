// tokenizer.json's "Precompiled" normalizer: a SentencePiece precompiled character map (the
// normalization rules a SentencePiece model carries, e.g. nmt_nfkc) applied as the `tokenizers`
// library applies it. Torch-free; tests/fuzz/precompiled_charsmap_fuzz.cpp fuzzes the reader.
//
// The map is SentencePiece's binary form: a little-endian u32 byte size of a darts-clone double
// array (u32 units), the array, then the replacement strings, each ended by a NUL byte. A key's
// leaf value is the byte offset of its replacement.
//
// The library (tokenizers 0.23, spm_precompiled) does not apply it as SentencePiece does (longest
// key at each position): it walks the text's extended grapheme clusters; a cluster shorter than 6
// bytes with a key that is a prefix of it is replaced as a whole by the replacement of the
// SHORTEST such key (so "ｶ" + U+0301 becomes "カ", the accent dropped); every other cluster is
// replaced char by char (a char with a key by its replacement, others kept). The alignment changes
// are the library's too (a replacement's first char carries new minus old char count, the i-th
// after it i). bertforge encodes SentencePiece models this way as well (tokenizer/tokenizer.h),
// so that their tokenizer.json exports give the same ids in `tokenizers`.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tokenizer/hf_text.h"

namespace bertforge::hf {

class PrecompiledCharsmap {
 public:
  // Reads the binary map. Throws std::invalid_argument saying what is wrong: too short, an array
  // that runs past the data, replacements that are not UTF-8, an empty array, or a key whose
  // lookup would read outside the array or whose value is not the start of a replacement (the
  // whole trie is walked, so that no input can make a lookup go wrong later).
  static PrecompiledCharsmap parse(std::string_view bytes);

  // The replacement of the shortest key that is a prefix of `s` (read up to its first NUL byte).
  std::optional<std::string_view> first_match(std::string_view s) const;

  // The library's changes for `text` (see the top of this file), into `out` (replaced); false
  // when no cluster or char had a key (then the library leaves the text and alignment alone).
  bool changes(std::string_view text, std::vector<Change>* out) const;
  // Applies changes() to `t`.
  void apply(NormText& t) const;
  // The normalized text alone.
  std::string normalize(std::string_view text) const;
  // Same into *out; false (and *out untouched) when the text stays as it is. Unlike the others it
  // takes any bytes: invalid UTF-8 is read as the library reads it (U+FFFD for each invalid
  // sequence) first.
  bool normalize_into(std::string_view text, std::string* out) const;

 private:
  void validate() const;
  bool ascii_changes(std::string_view text, std::vector<Change>* out) const;
  std::vector<uint32_t> units_;
  std::string replacements_;
  std::array<bool, 128> ascii_keyed_{};  // the ASCII chars that have a key of their own
  // Bytes that may change the text: non-ASCII, keyed ASCII, CR where "\r\n" has a key.
  std::array<bool, 256> stop_{};
};

}  // namespace bertforge::hf
