#include "tokenizer/wordpiece.h"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <sstream>
#include <stdexcept>
#include <utility>

#include "errors/errors.h"
#include "fs/fs.h"

namespace bertforge {
namespace {

// ---- Unicode data -----------------------------------------------------------------------------

// BasicTokenizer's character classes: kC dropped (category C* except \t \n \r, and the
// noncharacters), kS whitespace (\t \n \r, space, Zs, Zl, Zp), kM combining mark (Mn), kP
// punctuation (P*, and the ASCII symbols BERT counts as punctuation).
enum CharClass : uint8_t { kOther, kC, kS, kM, kP };

struct ClassRange {  // first..last are `cls`
  char32_t first, last;
  CharClass cls;
};
struct LowerRange {  // first, first + stride, ... <= last lowercase to cp + delta
  char32_t first, last;
  int32_t delta;
  uint32_t stride;
};
struct Stripped {  // the NFD of `cp` without its Mn marks
  char32_t cp;
  const char32_t* base;
};
struct Range {
  char32_t first, last;
};

#include "tokenizer/wordpiece_tables.inc"  // kClassRanges, lowercase and NFD tables

static_assert(std::size(kStripped00C0) == 0x250 - 0xC0 + 1, "one slot per code point, and a NUL");
static_assert(std::size(kStripped1E00) == 0x2000 - 0x1E00 + 1,
              "one slot per code point, and a NUL");

constexpr char32_t kInvalid = 0xFFFFFFFF;  // not a code point: an invalid UTF-8 sequence

// The last range with first <= cp, if it contains cp (ranges sorted by first, disjoint).
template <class T, size_t N>
const T* find_range(const T (&table)[N], char32_t cp) {
  const T* it =
      std::upper_bound(table, table + N, cp, [](char32_t c, const T& r) { return c < r.first; });
  if (it == table) return nullptr;
  --it;
  return cp <= it->last ? it : nullptr;
}

constexpr std::array<CharClass, 128> make_ascii_classes() {
  std::array<CharClass, 128> t{};
  for (int c = 0; c < 128; ++c) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      t[c] = kS;
    } else if (c < 0x20 || c == 0x7F) {
      t[c] = kC;
    } else if ((c >= 33 && c <= 47) || (c >= 58 && c <= 64) || (c >= 91 && c <= 96) ||
               (c >= 123 && c <= 126)) {
      t[c] = kP;
    } else {
      t[c] = kOther;
    }
  }
  return t;
}
constexpr std::array<CharClass, 128> kAsciiClasses = make_ascii_classes();

CharClass char_class(char32_t cp) {
  if (cp < 0x80) return kAsciiClasses[cp];
  const ClassRange* r = find_range(kClassRanges, cp);
  return r ? r->cls : kOther;
}

// BERT's _is_chinese_char.
bool is_chinese_char(char32_t cp) {
  return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) ||
         (cp >= 0x20000 && cp <= 0x2A6DF) || (cp >= 0x2A700 && cp <= 0x2B73F) ||
         (cp >= 0x2B740 && cp <= 0x2B81F) || (cp >= 0x2B820 && cp <= 0x2CEAF) ||
         (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0x2F800 && cp <= 0x2FA1F);
}

// Simple lowercase mapping (U+0130 and final sigma are handled by lower_word).
char32_t to_lower(char32_t cp) {
  if (cp < 0x80) return cp >= 'A' && cp <= 'Z' ? cp + 32 : cp;
  const LowerRange* r = find_range(kLowerRanges, cp);
  if (r == nullptr || (cp - r->first) % r->stride != 0) return cp;
  return static_cast<char32_t>(static_cast<int32_t>(cp) + r->delta);
}

bool is_case_ignorable(char32_t cp) {
  return char_class(cp) == kM || find_range(kCaseIgnorable, cp) != nullptr;
}
bool is_cased(char32_t cp) { return find_range(kCased, cp) != nullptr; }

// Python's Final_Sigma condition for the capital sigma at word[i]: a cased letter before it and
// none after it, skipping case-ignorable characters both ways.
bool is_final_sigma(const std::u32string& word, size_t i) {
  size_t j = i;
  while (j > 0 && is_case_ignorable(word[j - 1])) --j;
  if (j == 0 || !is_cased(word[j - 1])) return false;
  j = i + 1;
  while (j < word.size() && is_case_ignorable(word[j])) ++j;
  return j == word.size() || !is_cased(word[j]);
}

// Python's str.lower() of `word` into `out`.
void lower_word(const std::u32string& word, std::u32string* out) {
  out->clear();
  for (size_t i = 0; i < word.size(); ++i) {
    const char32_t cp = word[i];
    if (cp == 0x130) {  // LATIN CAPITAL LETTER I WITH DOT ABOVE: "i" + COMBINING DOT ABOVE
      out->push_back('i');
      out->push_back(0x307);
    } else if (cp == 0x3A3) {  // GREEK CAPITAL LETTER SIGMA
      out->push_back(is_final_sigma(word, i) ? 0x3C2 : 0x3C3);
    } else {
      out->push_back(to_lower(cp));
    }
  }
}

// Appends the NFD of `cp` without its combining marks (cp itself is not Mn).
void append_stripped(char32_t cp, std::u32string* out) {
  if (cp < 0xC0) {
    out->push_back(cp);
  } else if (cp >= 0xAC00 && cp <= 0xD7A3) {  // Hangul syllable: leading, vowel, trailing jamo
    const char32_t s = cp - 0xAC00;
    out->push_back(0x1100 + s / 588);
    out->push_back(0x1161 + s % 588 / 28);
    if (s % 28 != 0) out->push_back(0x11A7 + s % 28);
  } else if (cp <= 0x24F || (cp >= 0x1E00 && cp <= 0x1FFF)) {
    const char32_t base = cp <= 0x24F ? kStripped00C0[cp - 0xC0] : kStripped1E00[cp - 0x1E00];
    out->push_back(base == '.' ? cp : base);
  } else {
    const Stripped* it = std::lower_bound(std::begin(kStrippedPairs), std::end(kStrippedPairs), cp,
                                          [](const Stripped& s, char32_t c) { return s.cp < c; });
    if (it == std::end(kStrippedPairs) || it->cp != cp) {
      out->push_back(cp);
    } else {
      for (const char32_t* p = it->base; *p != 0; ++p) out->push_back(*p);
    }
  }
}

// BERT's _run_strip_accents: NFD, then category Mn dropped.
void strip_accents(const std::u32string& word, std::u32string* out) {
  out->clear();
  for (char32_t cp : word) {
    if (char_class(cp) != kM) append_stripped(cp, out);
  }
}

// ---- UTF-8 ------------------------------------------------------------------------------------

// The code point at s[*pos], advancing *pos past it; kInvalid (advancing one byte) when the bytes
// there are not a well-formed sequence (Unicode Table 3-7: no overlongs, surrogates or > 10FFFF).
char32_t next_code_point(std::string_view s, size_t* pos) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const size_t i = *pos;
  const unsigned c = p[i];
  *pos = i + 1;
  if (c < 0x80) return c;
  size_t len;
  char32_t cp;
  unsigned lo = 0x80, hi = 0xBF;  // allowed range of the second byte
  if (c >= 0xC2 && c <= 0xDF) {
    len = 2;
    cp = c & 0x1F;
  } else if (c >= 0xE0 && c <= 0xEF) {
    len = 3;
    cp = c & 0x0F;
    if (c == 0xE0) lo = 0xA0;  // no overlong
    if (c == 0xED) hi = 0x9F;  // no surrogate
  } else if (c >= 0xF0 && c <= 0xF4) {
    len = 4;
    cp = c & 0x07;
    if (c == 0xF0) lo = 0x90;  // no overlong
    if (c == 0xF4) hi = 0x8F;  // nothing above U+10FFFF
  } else {
    return kInvalid;
  }
  for (size_t k = 1; k < len; ++k) {
    if (i + k >= s.size() || p[i + k] < lo || p[i + k] > hi) return kInvalid;
    cp = (cp << 6) | (p[i + k] & 0x3F);
    lo = 0x80;
    hi = 0xBF;
  }
  *pos = i + len;
  return cp;
}

void append_utf8(char32_t cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

bool is_valid_utf8(std::string_view s) {
  for (size_t pos = 0; pos < s.size();) {
    if (next_code_point(s, &pos) == kInvalid) return false;
  }
  return true;
}

// ---- BasicTokenizer ---------------------------------------------------------------------------

// Splits text into BERT's basic tokens (steps 1-4 of wordpiece.h), calling emit(token) with each
// token's code points. The buffers are reused from token to token.
class BasicTokenizer {
 public:
  explicit BasicTokenizer(const WordPieceOptions& options) : options_(options) {}

  template <class Emit>
  void run(std::string_view text, Emit&& emit) {
    for (size_t pos = 0; pos < text.size();) {
      const char32_t cp = next_code_point(text, &pos);
      if (cp == kInvalid || cp == 0xFFFD) continue;
      const CharClass cls = char_class(cp);
      if (cls == kC) continue;
      if (cls == kS) {
        end_word(emit);
      } else if (options_.tokenize_chinese_chars && is_chinese_char(cp)) {
        end_word(emit);
        word_.push_back(cp);
        end_word(emit);
      } else {
        word_.push_back(cp);
      }
    }
    end_word(emit);
  }

 private:
  // Normalizes the whitespace-delimited word collected so far and emits its tokens.
  template <class Emit>
  void end_word(Emit&& emit) {
    if (word_.empty()) return;
    const std::u32string* word = &word_;
    if (options_.lowercase) {
      lower_word(*word, &lowered_);
      word = &lowered_;
    }
    if (options_.strip_accents) {
      strip_accents(*word, &stripped_);
      word = &stripped_;
    }
    token_.clear();
    for (char32_t cp : *word) {
      if (char_class(cp) != kP) {
        token_.push_back(cp);
        continue;
      }
      if (!token_.empty()) emit(token_);
      token_.assign(1, cp);
      emit(token_);
      token_.clear();
    }
    if (!token_.empty()) emit(token_);
    word_.clear();
  }

  const WordPieceOptions& options_;
  std::u32string word_, lowered_, stripped_, token_;
};

std::string quote_token(const std::string& token) {
  return token.empty() ? "\"\" (an empty line)" : "\"" + token + "\"";
}

}  // namespace

// ---- WordPiece --------------------------------------------------------------------------------

struct WordPiece::Scratch {
  std::string utf8;             // the token
  std::vector<size_t> offsets;  // byte offset of each code point, and the end
  std::string key;              // a candidate piece
};

WordPiece WordPiece::load(const std::string& vocab_path, WordPieceOptions options) {
  const char* hint = "a BERT vocab.txt has one token per line; the 0-based line index is the id";
  if (fs::is_dir(vocab_path)) throw InputError(vocab_path, 0, "is a directory", hint);
  std::ifstream in(vocab_path, std::ios::binary);
  if (!in) {
    throw InputError(vocab_path, 0, std::string("cannot read vocabulary: ") + std::strerror(errno),
                     hint);
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) throw InputError(vocab_path, 0, "read error", hint);
  const std::string data = ss.str();
  std::vector<std::string> tokens;
  for (size_t begin = 0; begin < data.size();) {
    size_t end = data.find('\n', begin);
    if (end == std::string::npos) end = data.size();
    size_t stop = end;
    if (stop > begin && data[stop - 1] == '\r') --stop;
    tokens.emplace_back(data, begin, stop - begin);
    begin = end + 1;
  }
  return build(std::move(tokens), std::move(options), vocab_path);
}

WordPiece WordPiece::from_tokens(std::vector<std::string> tokens, WordPieceOptions options) {
  return build(std::move(tokens), std::move(options), "(token list)");
}

WordPiece WordPiece::build(std::vector<std::string> tokens, WordPieceOptions options,
                           const std::string& source) {
  WordPiece wp;
  wp.ids_.reserve(tokens.size());
  wp.word_start_.resize(tokens.size());
  for (size_t i = 0; i < tokens.size(); ++i) {
    const std::string& token = tokens[i];
    const long line = static_cast<long>(i) + 1;
    if (!is_valid_utf8(token)) throw InputError(source, line, "token is not valid UTF-8");
    auto [it, inserted] = wp.ids_.emplace(token, static_cast<int>(i));
    if (!inserted) {
      throw InputError(source, line,
                       "duplicate token " + quote_token(token) + " (already on line " +
                           std::to_string(it->second + 1) + ")",
                       "each line of a vocab.txt must be a distinct token");
    }
    const bool continuation = token.compare(0, 2, "##") == 0;
    wp.word_start_[i] = continuation ? 0 : 1;
    wp.max_start_bytes_ = std::max(wp.max_start_bytes_, token.size());
    if (continuation) wp.max_cont_bytes_ = std::max(wp.max_cont_bytes_, token.size() - 2);
  }
  const auto unk = wp.ids_.find(options.unk_token);
  if (unk == wp.ids_.end()) {
    throw InputError(source, 0,
                     "the unknown token " + quote_token(options.unk_token) + " is not among the " +
                         std::to_string(tokens.size()) + " tokens",
                     "add it to the vocabulary, or set WordPieceOptions::unk_token to the one "
                     "it has");
  }
  wp.unk_id_ = unk->second;
  wp.tokens_ = std::move(tokens);
  wp.options_ = std::move(options);
  return wp;
}

void WordPiece::append_word(const std::u32string& word, Scratch* s, std::vector<int>* ids) const {
  const size_t n = word.size();
  if (n > static_cast<size_t>(std::max(options_.max_input_chars_per_word, 0))) {
    ids->push_back(unk_id_);
    return;
  }
  s->utf8.clear();
  s->offsets.clear();
  for (char32_t cp : word) {
    s->offsets.push_back(s->utf8.size());
    append_utf8(cp, &s->utf8);
  }
  s->offsets.push_back(s->utf8.size());
  const size_t first_piece = ids->size();
  for (size_t start = 0; start < n;) {
    // Pieces longer than the longest in the vocabulary cannot match: start below them.
    const size_t max_bytes = start == 0 ? max_start_bytes_ : max_cont_bytes_;
    size_t end = n;
    while (end > start && s->offsets[end] - s->offsets[start] > max_bytes) --end;
    int id = -1;
    for (; end > start; --end) {
      s->key.assign(start == 0 ? "" : "##");
      s->key.append(s->utf8, s->offsets[start], s->offsets[end] - s->offsets[start]);
      const auto it = ids_.find(s->key);
      if (it != ids_.end()) {
        id = it->second;
        break;
      }
    }
    if (id < 0) {  // no piece here: the whole token is unknown
      ids->resize(first_piece);
      ids->push_back(unk_id_);
      return;
    }
    ids->push_back(id);
    start = end;
  }
}

std::vector<int> WordPiece::encode(std::string_view text) const {
  std::vector<int> ids;
  Scratch scratch;
  BasicTokenizer basic(options_);
  basic.run(text, [&](const std::u32string& token) { append_word(token, &scratch, &ids); });
  return ids;
}

std::vector<std::string> WordPiece::basic_tokens(std::string_view text) const {
  std::vector<std::string> out;
  BasicTokenizer basic(options_);
  basic.run(text, [&](const std::u32string& token) {
    std::string utf8;
    for (char32_t cp : token) append_utf8(cp, &utf8);
    out.push_back(std::move(utf8));
  });
  return out;
}

std::vector<std::string> WordPiece::tokenize(std::string_view text) const {
  std::vector<std::string> pieces;
  for (int id : encode(text)) pieces.push_back(tokens_[static_cast<size_t>(id)]);
  return pieces;
}

std::string WordPiece::decode(const std::vector<int>& ids) const {
  std::string out;
  for (size_t i = 0; i < ids.size(); ++i) {
    const std::string& piece = id_to_piece(ids[i]);
    if (i > 0 && piece.compare(0, 2, "##") == 0) {
      out.append(piece, 2, std::string::npos);
    } else {
      if (i > 0) out += ' ';
      out += piece;
    }
  }
  return out;
}

const std::string& WordPiece::id_to_piece(int id) const {
  if (id < 0 || id >= vocab_size()) {
    throw std::out_of_range("WordPiece: id " + std::to_string(id) + " outside [0, " +
                            std::to_string(vocab_size()) + ")");
  }
  return tokens_[static_cast<size_t>(id)];
}

int WordPiece::piece_to_id(const std::string& piece) const {
  const auto it = ids_.find(piece);
  return it == ids_.end() ? -1 : it->second;
}

bool WordPiece::is_word_start(int id) const {
  id_to_piece(id);  // range check
  return word_start_[static_cast<size_t>(id)] != 0;
}

}  // namespace bertforge
