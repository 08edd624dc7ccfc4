// A HuggingFace tokenizer.json, read and applied as the `tokenizers` library does: added tokens
// (special, lstrip, rstrip, single_word, normalized) split off first, then the normalizer, the
// pre-tokenizer, the model and the post-processor (hf_normalizers.h, hf_models.h,
// hf_processors.h). encode() gives the library's ids and offsets (char offsets into the original
// text, as its Python binding reports them). Input that is not valid UTF-8 has each bad byte
// replaced by U+FFFD first. truncation and padding (batch settings) are ignored.
//
// Errors: a file that is not a tokenizer.json the reader can apply is an InputError naming the
// file and the JSON path ("model.merges[12]: merge names \"xy\", which is not in model.vocab");
// a component type it does not implement is refused by name, never approximated. Torch-free;
// thread-safe after construction.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace bertforge {

// A per-thread memo of pre-token encodings (see Tokenizer's WordCache, which lends its storage).
struct HfMemo {
  std::unordered_map<std::string, std::pair<uint32_t, uint32_t>>* index;
  std::vector<int>* pool;
  size_t max_words;
};

class HfTokenizer {
 public:
  // Parses `bytes` (the file's content); `file` names it in errors.
  static HfTokenizer parse(const std::string& bytes, const std::string& file);
  // True when `bytes` is a JSON object with a "model" (a tokenizer.json rather than another
  // JSON tokenizer form).
  static bool looks_like(const std::string& bytes);
  HfTokenizer(HfTokenizer&&) noexcept;
  HfTokenizer& operator=(HfTokenizer&&) noexcept;
  ~HfTokenizer();

  struct Encoding {
    std::vector<int> ids;
    std::vector<std::pair<size_t, size_t>> offsets;  // char offsets into the original text
  };
  // The library's encode(text, add_special_tokens).
  Encoding encode(std::string_view text, bool add_special_tokens) const;
  // Ids only (no specials), reusing `memo` when given.
  void encode_ids(std::string_view text, std::vector<int>* ids, HfMemo* memo = nullptr) const;
  // The library's decode (skip_special_tokens false).
  std::string decode(const std::vector<int>& ids) const;

  int vocab_size() const;
  // The token string of `id` (added tokens first), "" outside the vocabulary.
  const std::string& id_to_token(int id) const;
  int token_to_id(const std::string& token) const;  // -1 when absent
  bool is_added(int id) const;
  // Word start for whole-word masking: added tokens; with a continuing-subword prefix ("##"),
  // tokens without it; else tokens starting with the Metaspace marker "▁" or the byte-level
  // space "Ġ", and byte-fallback tokens.
  bool is_word_start(int id) const;
  const std::string& model_type() const;  // "BPE", "WordPiece" or "Unigram"

  struct Impl;  // hf_tokenizer.cpp's

 private:
  HfTokenizer();
  std::unique_ptr<Impl> impl_;
};

}  // namespace bertforge
