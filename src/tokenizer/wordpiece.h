// BERT's WordPiece tokenizer, self-contained (no ICU, no torch, no SentencePiece): the algorithm
// of google-research/bert tokenization.py and HuggingFace's BertTokenizer, on a vocab.txt.
//
// Text goes through BasicTokenizer, then WordpieceTokenizer:
//   1. Clean: invalid UTF-8 bytes, U+0000, U+FFFD and control characters (category C*, except
//      \t \n \r) are dropped; whitespace (space, \t, \n, \r, category Zs, and Zl/Zp, which
//      Python's str.split() splits on) separates words.
//   2. With tokenize_chinese_chars, each CJK ideograph (BERT's _is_chinese_char ranges) is a word.
//   3. Per word: with lowercase, Python's str.lower() (final sigma included); with strip_accents,
//      NFD and then every combining mark (category Mn) dropped.
//   4. Each punctuation character (ASCII 33-47, 58-64, 91-96, 123-126, category P*) is split off
//      as its own token.
//   5. A token of more than max_input_chars_per_word code points is unk_token; else it is split
//      greedily, longest match first from the left, into vocab pieces, pieces after the first
//      prefixed "##"; when some position has no match, the whole token is unk_token.
//
// Unicode coverage (tables generated from Unicode 14.0 by
// tests/tokenizer/wordpiece_reference.py --cpp-tables; that script also produces the golden
// values of tests/tokenizer/wordpiece_test.cpp):
//   - categories (C*, Zs/Zl/Zp, Mn, P*): all of Unicode, except that unassigned code points (Cn)
//     are kept as ordinary characters (Python drops them); noncharacters are dropped;
//   - lowercase: all of Python's str.lower(): the mappings of every script, U+0130 to "i" +
//     U+0307, and the final sigma rule (U+03A3 to U+03C2 after a cased letter and not before
//     one, skipping case-ignorable characters);
//   - accent stripping (NFD, then Mn dropped): every canonical decomposition in the BMP (Latin,
//     Greek, Cyrillic, Arabic, Indic, kana with (han)dakuten, Hangul syllables to jamo, Hebrew
//     presentation forms, negated math symbols such as U+2260 to "=", ...), except the CJK
//     compatibility ideographs U+F900-FAFF, which stay as they are; none outside the BMP (a few
//     historic scripts, musical symbols, CJK compatibility supplement).
//
// Differences from HuggingFace's BertTokenizer: special tokens in the text ("[CLS]") are not kept
// whole but tokenized like any text (as google-research/bert does); no NFC normalization before
// the split (recent transformers versions add one; it matters only without strip_accents, for
// decomposed input and singletons such as U+2126); a vocab.txt with a repeated token is refused
// (HF lets the later line win).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace bertforge {

struct WordPieceOptions {
  bool lowercase = true;
  // Independent of `lowercase` (HF's strip_accents=None follows do_lower_case): a cased model
  // (bert-base-cased) needs lowercase = false and strip_accents = false.
  bool strip_accents = true;
  bool tokenize_chinese_chars = true;
  int max_input_chars_per_word = 100;
  std::string unk_token = "[UNK]";
};

class WordPiece {
 public:
  // Reads a vocab.txt: one token per line, the id is the 0-based line index; only the line's
  // "\n" and one "\r" before it are removed (an empty line is the empty token). A last line
  // without "\n" is a token. Throws InputError naming the path when the file cannot be read, a
  // line is not valid UTF-8, a token repeats (naming both lines) or unk_token is absent.
  static WordPiece load(const std::string& vocab_path, WordPieceOptions options = {});
  // Same from tokens in id order (for tests and for growing a vocabulary); errors name
  // "(token list)" and the 1-based position as the line.
  static WordPiece from_tokens(std::vector<std::string> tokens, WordPieceOptions options = {});

  // The ids of `text` (UTF-8, any bytes), no specials added. Thread-safe.
  std::vector<int> encode(std::string_view text) const;
  // The basic tokens of `text` (steps 1-4: cleaned, lowercased and accent-stripped as configured,
  // punctuation split off), before WordPiece splits them into pieces. Thread-safe.
  std::vector<std::string> basic_tokens(std::string_view text) const;
  // The pieces of `text`: id_to_piece of each id of encode(text). Thread-safe.
  std::vector<std::string> tokenize(std::string_view text) const;
  // The pieces joined with spaces, except that a "##" piece is glued, without its "##", to the
  // one before it (HF's convert_tokens_to_string; a leading "##" piece stays as it is). Throws
  // std::out_of_range for an id outside [0, vocab_size()).
  std::string decode(const std::vector<int>& ids) const;

  int vocab_size() const { return static_cast<int>(tokens_.size()); }
  // Throws std::out_of_range for an id outside [0, vocab_size()).
  const std::string& id_to_piece(int id) const;
  // -1 when absent.
  int piece_to_id(const std::string& piece) const;
  int unk_id() const { return unk_id_; }
  // False only for pieces starting with "##" (continuations), for whole-word masking. Throws
  // std::out_of_range for an id outside [0, vocab_size()).
  bool is_word_start(int id) const;
  const std::vector<std::string>& tokens() const { return tokens_; }
  const WordPieceOptions& options() const { return options_; }

 private:
  struct Scratch;
  WordPiece() = default;
  static WordPiece build(std::vector<std::string> tokens, WordPieceOptions options,
                         const std::string& source);
  // Appends the pieces of one basic token (code points) to `ids`.
  void append_word(const std::u32string& word, Scratch* scratch, std::vector<int>* ids) const;

  std::vector<std::string> tokens_;
  std::unordered_map<std::string, int> ids_;
  std::vector<uint8_t> word_start_;
  WordPieceOptions options_;
  int unk_id_ = -1;
  size_t max_start_bytes_ = 0;  // longest piece, in bytes
  size_t max_cont_bytes_ = 0;   // longest "##" piece, in bytes after the "##"
};

}  // namespace bertforge
