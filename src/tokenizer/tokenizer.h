// The tokenizer, of either kind, and the tokenizer stage.
//   sentencepiece  a SentencePiece model (unigram or BPE) that bertforge trained or adopted; those
//                  bertforge trains have [PAD] [UNK] [CLS] [SEP] [MASK] at ids 0-4.
//   wordpiece      BERT's WordPiece (tokenizer/wordpiece.h), adopted from a vocab.txt and the
//                  tokenizer_config.json beside it; its specials are found by name.
//   tokenizer.json a HuggingFace tokenizer.json (tokenizer/hf_tokenizer.h), adopted from the file
//                  or a directory holding one (recognised from the content); its specials are
//                  found by name: [PAD]/<pad>, [UNK]/<unk>, [CLS]/<s>, [SEP]/</s>, [MASK]/<mask>.
// Either is held as one file (model_bytes(): the SentencePiece model, or bertforge's JSON form of a
// WordPiece vocabulary and options), which the run's tokenizer/ and every checkpoint keep and whose
// SHA-256 is the tokenizer's checksum.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "run/run_layout.h"
#include "tokenizer/specials.h"

namespace bertforge {

// The ids of the specials in the SentencePiece models bertforge trains (and requires of adopted
// SentencePiece models). Code outside the tokenizer takes them from Tokenizer::specials().
constexpr int kPadId = 0;
constexpr int kUnkId = 1;
constexpr int kClsId = 2;
constexpr int kSepId = 3;
constexpr int kMaskId = 4;
constexpr int kNumSpecials = 5;
extern const char* const kSpecialPieces[kNumSpecials];  // "[PAD]" ... "[MASK]"

class Tokenizer;
class WordPiece;
class HfTokenizer;

// Memo of word encodings for Tokenizer::encode_into: one per thread (it is not thread-safe). Holds
// at most `max_words` words, then starts over. A word's ids do not depend on the cache's state,
// so results are the same with or without one.
class WordCache {
 public:
  explicit WordCache(size_t max_words = size_t{1} << 19) : max_words_(max_words) {}

 private:
  friend class Tokenizer;
  std::unordered_map<std::string, std::pair<uint32_t, uint32_t>> index_;  // word -> pool range
  std::vector<int> pool_;
  std::string key_;
  std::vector<int> scratch_;
  size_t max_words_;
};

class Tokenizer {
 public:
  // Loads a tokenizer file: a SentencePiece .model (with the specials at 0-4), bertforge's
  // WordPiece form, a HuggingFace tokenizer.json (or a directory holding one), or a *.txt
  // vocabulary (HF's vocab.txt; its options from the
  // tokenizer_config.json beside it, else BertTokenizer's uncased defaults). Throws InputError
  // naming the file when it cannot be read or lacks a special.
  static Tokenizer load(const std::string& model_path);
  // Same, from model_bytes(); `path` names the model in errors and path().
  static Tokenizer from_bytes(const std::string& bytes, const std::string& path);
  // A tokenizer.json's tokenizer; throws InputError naming `path` and the JSON path when it cannot
  // be applied, or when a special is missing.
  static Tokenizer from_hf(const std::string& bytes, const std::string& path);
  // A WordPiece tokenizer; throws InputError naming `path` when a special is missing.
  static Tokenizer from_wordpiece(WordPiece wp, const std::string& path);
  Tokenizer(Tokenizer&&) noexcept;
  Tokenizer& operator=(Tokenizer&&) noexcept;
  ~Tokenizer();

  // Encodes plain text into ids (no specials added). Thread-safe.
  //
  // When the model allows it (every model bertforge trains does: a dummy word-start prefix,
  // whitespace collapsed, no piece with a word marker inside), the text is encoded word by word,
  // split at ASCII spaces: SentencePiece's pieces never cross a word start, so this gives the
  // pieces of encoding the whole text, except that among segmentations of exactly equal score the
  // choice may differ. Words repeat, so with a WordCache this is several times faster.
  std::vector<int> encode(std::string_view text) const;
  // Same, into `ids` (replaced), reusing its storage. Thread-safe; `cache` (optional) belongs to
  // the calling thread.
  void encode_into(std::string_view text, std::vector<int>* ids, WordCache* cache = nullptr) const;
  // Whether encode works word by word (see above).
  bool encodes_per_word() const;
  // Decodes ids into text (specials rendered as their pieces).
  std::string decode(const std::vector<int>& ids) const;
  std::string id_to_piece(int id) const;
  int piece_to_id(const std::string& piece) const;  // specials().unk when absent
  int vocab_size() const;
  // The piece's score in the model (log probability for unigram; 0 for WordPiece).
  float score(int id) const;
  // True when the piece starts a word, for whole-word masking: SentencePiece's U+2581 marker, or a
  // WordPiece piece without "##". Specials and byte pieces count as word starts.
  bool is_word_start(int id) const;
  // Per-id word-start table (size vocab_size()).
  const std::vector<uint8_t>& word_start_table() const;
  // SHA-256 of the .model file's bytes.
  const std::string& checksum() const;
  const std::string& path() const;
  const SpecialIds& specials() const;
  // The one-file form (see the top of this header); checksum() is its SHA-256.
  const std::string& model_bytes() const;
  // The WordPiece tokenizer, or null for SentencePiece.
  const WordPiece* wordpiece() const;
  // The tokenizer.json tokenizer, or null for the other kinds.
  const HfTokenizer* hf() const;
  const char* kind() const;  // "sentencepiece", "wordpiece" or "tokenizer.json"

 private:
  Tokenizer();
  // Encodes without splitting at spaces.
  void encode_piece(std::string_view text, std::vector<int>* ids) const;
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The checksum recorded by a complete tokenizer stage; throws InputError when there is none.
std::string read_tokenizer_checksum(const std::string& run_dir);

}  // namespace bertforge
