#include "tokenizer/hf_text.h"

#include <unicode/ubrk.h>
#include <unicode/uchar.h>
#include <unicode/unorm2.h>
#include <unicode/ustring.h>
#include <unicode/utext.h>
#include <unicode/utf16.h>

#include <stdexcept>

namespace bertforge::hf {

size_t utf8_len(unsigned char lead) {
  if (lead < 0x80) return 1;
  if ((lead >> 5) == 0x6) return 2;
  if ((lead >> 4) == 0xE) return 3;
  return 4;
}

char32_t utf8_at(std::string_view s, size_t i, size_t* len) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data()) + i;
  const size_t n = utf8_len(p[0]);
  *len = n;
  switch (n) {
    case 1:
      return p[0];
    case 2:
      return (char32_t(p[0] & 0x1F) << 6) | (p[1] & 0x3F);
    case 3:
      return (char32_t(p[0] & 0x0F) << 12) | (char32_t(p[1] & 0x3F) << 6) | (p[2] & 0x3F);
    default:
      return (char32_t(p[0] & 0x07) << 18) | (char32_t(p[1] & 0x3F) << 12) |
             (char32_t(p[2] & 0x3F) << 6) | (p[3] & 0x3F);
  }
}

void utf8_append(std::string* out, char32_t c) {
  if (c < 0x80) {
    out->push_back(static_cast<char>(c));
  } else if (c < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (c >> 6)));
    out->push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else if (c < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (c >> 12)));
    out->push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (c >> 18)));
    out->push_back(static_cast<char>(0x80 | ((c >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (c & 0x3F)));
  }
}

namespace {
// Length of the valid UTF-8 sequence at s[i], or 0.
size_t valid_at(std::string_view s, size_t i) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const size_t n = s.size();
  const unsigned char c = p[i];
  if (c < 0x80) return 1;
  auto cont = [&](size_t k) { return i + k < n && (p[i + k] & 0xC0) == 0x80; };
  if (c >= 0xC2 && c <= 0xDF) return cont(1) ? 2 : 0;
  if (c >= 0xE0 && c <= 0xEF) {
    if (!cont(1) || !cont(2)) return 0;
    if (c == 0xE0 && p[i + 1] < 0xA0) return 0;
    if (c == 0xED && p[i + 1] >= 0xA0) return 0;
    return 3;
  }
  if (c >= 0xF0 && c <= 0xF4) {
    if (!cont(1) || !cont(2) || !cont(3)) return 0;
    if (c == 0xF0 && p[i + 1] < 0x90) return 0;
    if (c == 0xF4 && p[i + 1] >= 0x90) return 0;
    return 4;
  }
  return 0;
}
}  // namespace

bool utf8_valid(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    const size_t n = valid_at(s, i);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

std::string utf8_sanitize(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    const size_t n = valid_at(s, i);
    if (n == 0) {
      out += "\xEF\xBF\xBD";
      ++i;
    } else {
      out.append(s.data() + i, n);
      i += n;
    }
  }
  return out;
}

size_t utf8_count(std::string_view s, size_t byte_offset) {
  size_t count = 0;
  for (size_t i = 0; i < byte_offset && i < s.size(); ++i)
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) ++count;
  return count;
}

NormText NormText::original(std::string_view s, uint32_t base) {
  NormText t;
  t.text.assign(s.data(), s.size());
  t.align.resize(s.size());
  for (size_t i = 0; i < s.size();) {
    const size_t n = utf8_len(static_cast<unsigned char>(s[i]));
    const Span span{static_cast<uint32_t>(base + i), static_cast<uint32_t>(base + i + n)};
    for (size_t k = 0; k < n && i + k < s.size(); ++k) t.align[i + k] = span;
    i += n;
  }
  return t;
}

void NormText::transform(const std::vector<Change>& dest, size_t initial_removed) {
  std::string out;
  std::vector<Span> out_align;
  out.reserve(text.size());
  out_align.reserve(text.size());
  size_t pos = 0;  // byte position of the next old char not yet consumed
  for (size_t k = 0; k < initial_removed && pos < text.size(); ++k)
    pos += utf8_len(static_cast<unsigned char>(text[pos]));
  for (const Change& ch : dest) {
    Span a;
    if (ch.change > 0) {
      a = pos == 0 ? Span{0, 0} : align[pos - 1];
    } else {
      if (pos >= text.size()) throw std::logic_error("NormText::transform past the end");
      a = align[pos];
      pos += utf8_len(static_cast<unsigned char>(text[pos]));
      for (int r = 0; r < -ch.change && pos < text.size(); ++r)
        pos += utf8_len(static_cast<unsigned char>(text[pos]));
    }
    const size_t before = out.size();
    utf8_append(&out, ch.cp);
    out_align.insert(out_align.end(), out.size() - before, a);
  }
  text.swap(out);
  align.swap(out_align);
}

NormText NormText::slice(size_t b, size_t e) const {
  NormText t;
  t.text = text.substr(b, e - b);
  t.align.assign(align.begin() + static_cast<std::ptrdiff_t>(b),
                 align.begin() + static_cast<std::ptrdiff_t>(e));
  return t;
}

Span NormText::to_original(size_t b, size_t e) const {
  if (b >= e || e > align.size()) {
    if (b < align.size()) return {align[b].start, align[b].start};
    return align.empty() ? Span{} : Span{align.back().end, align.back().end};
  }
  return {align[b].start, align[e - 1].end};
}

std::vector<Change> NormText::chars() const {
  std::vector<Change> out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    size_t n;
    out.push_back({utf8_at(text, i, &n), 0});
    i += n;
  }
  return out;
}

bool is_whitespace(char32_t c) { return u_hasBinaryProperty(UChar32(c), UCHAR_WHITE_SPACE); }
bool is_other(char32_t c) { return (U_GET_GC_MASK(UChar32(c)) & U_GC_C_MASK) != 0; }
bool is_mark(char32_t c) { return (U_GET_GC_MASK(UChar32(c)) & U_GC_M_MASK) != 0; }
bool is_nonspacing_mark(char32_t c) { return u_charType(UChar32(c)) == U_NON_SPACING_MARK; }
bool is_punctuation(char32_t c) {
  if (c < 0x80)
    return (c >= 33 && c <= 47) || (c >= 58 && c <= 64) || (c >= 91 && c <= 96) ||
           (c >= 123 && c <= 126);
  return (U_GET_GC_MASK(UChar32(c)) & U_GC_P_MASK) != 0;
}
bool is_numeric(char32_t c) { return (U_GET_GC_MASK(UChar32(c)) & U_GC_N_MASK) != 0; }
bool is_alphabetic(char32_t c) { return u_hasBinaryProperty(UChar32(c), UCHAR_ALPHABETIC); }
bool is_word_char(char32_t c) {
  const uint32_t m = U_GET_GC_MASK(UChar32(c));
  return is_alphabetic(c) || (m & (U_GC_M_MASK | U_GC_ND_MASK | U_GC_PC_MASK)) != 0 ||
         u_hasBinaryProperty(UChar32(c), UCHAR_JOIN_CONTROL);
}

void to_lower(char32_t c, std::vector<char32_t>* out) {
  if (c < 0x80) {
    out->push_back(c >= 'A' && c <= 'Z' ? c + 32 : c);
    return;
  }
  UChar in[2], res[8];
  int32_t n_in = 0;
  U16_APPEND_UNSAFE(in, n_in, UChar32(c));
  UErrorCode err = U_ZERO_ERROR;
  const int32_t n = u_strToLower(res, 8, in, n_in, "", &err);
  if (U_FAILURE(err)) {
    out->push_back(c);
    return;
  }
  for (int32_t i = 0; i < n;) {
    UChar32 cp;
    U16_NEXT(res, i, n, cp);
    out->push_back(static_cast<char32_t>(cp));
  }
}

namespace {
const UNormalizer2* instance(bool compat, bool compose) {
  UErrorCode err = U_ZERO_ERROR;
  const UNormalizer2* n =
      compat ? (compose ? unorm2_getNFKCInstance(&err) : unorm2_getNFKDInstance(&err))
             : (compose ? unorm2_getNFCInstance(&err) : unorm2_getNFDInstance(&err));
  if (U_FAILURE(err) || !n) throw std::runtime_error("ICU normalizer unavailable");
  return n;
}

// Appends the full decomposition of c: its first char replaces c (change 0), the others are new.
void decompose(const UNormalizer2* nfd, char32_t c, std::vector<Change>* out) {
  if (c < 0xA0) {  // nothing below U+00A0 decomposes
    out->push_back({c, 0});
    return;
  }
  UChar in[2], res[64];
  int32_t n_in = 0;
  U16_APPEND_UNSAFE(in, n_in, UChar32(c));
  UErrorCode err = U_ZERO_ERROR;
  const int32_t n = unorm2_normalize(nfd, in, n_in, res, 64, &err);
  if (U_FAILURE(err)) {
    out->push_back({c, 0});
    return;
  }
  bool first = true;
  for (int32_t i = 0; i < n;) {
    UChar32 cp;
    U16_NEXT(res, i, n, cp);
    out->push_back({static_cast<char32_t>(cp), first ? 0 : 1});
    first = false;
  }
}

// Canonical ordering: each run of non-starters stably sorted by combining class.
void reorder(std::vector<Change>* s) {
  std::vector<uint8_t> cc(s->size());
  for (size_t i = 0; i < s->size(); ++i) cc[i] = u_getCombiningClass(UChar32((*s)[i].cp));
  for (size_t i = 1; i < s->size(); ++i)
    for (size_t k = i; k > 0 && cc[k] != 0 && cc[k - 1] > cc[k]; --k) {
      std::swap((*s)[k], (*s)[k - 1]);
      std::swap(cc[k], cc[k - 1]);
    }
}

// Canonical composition; a char absorbed into its starter takes its share of the alignment
// with it (the composite's change becomes the sum of both changes, minus one).
void compose(const UNormalizer2* nfc, std::vector<Change>* s) {
  std::vector<Change> out;
  out.reserve(s->size());
  long starter = -1;
  uint8_t last_cc = 0;
  for (const Change& c : *s) {
    const uint8_t cc = u_getCombiningClass(UChar32(c.cp));
    if (starter >= 0) {
      const bool adjacent = static_cast<size_t>(starter) + 1 == out.size();
      if (adjacent || (last_cc != 0 && last_cc < cc)) {
        Change& st = out[static_cast<size_t>(starter)];
        const UChar32 comp = unorm2_composePair(nfc, UChar32(st.cp), UChar32(c.cp));
        if (comp >= 0) {
          st.cp = static_cast<char32_t>(comp);
          st.change += c.change - 1;
          continue;
        }
      }
    }
    if (cc == 0) starter = static_cast<long>(out.size());
    last_cc = cc;
    out.push_back(c);
  }
  s->swap(out);
}
}  // namespace

void unicode_normalize(const NormText& t, NormForm form, std::vector<Change>* out) {
  out->clear();
  const bool compat = form == NormForm::kNFKC || form == NormForm::kNFKD;
  const bool comp = form == NormForm::kNFC || form == NormForm::kNFKC;
  const UNormalizer2* decomposer = instance(compat, false);
  for (size_t i = 0; i < t.text.size();) {
    size_t len;
    decompose(decomposer, utf8_at(t.text, i, &len), out);
    i += len;
  }
  reorder(out);
  if (comp) compose(instance(false, true), out);
}

std::vector<size_t> grapheme_ends(std::string_view s) {
  std::vector<size_t> ends;
  if (s.empty()) return ends;
  // One break iterator per thread: opening one loads ICU's rules (slow); using one is not
  // thread-safe.
  thread_local struct Iter {
    UBreakIterator* it = nullptr;
    ~Iter() {
      if (it) ubrk_close(it);
    }
  } iter;
  UErrorCode err = U_ZERO_ERROR;
  if (!iter.it) iter.it = ubrk_open(UBRK_CHARACTER, "", nullptr, 0, &err);
  UText* ut = utext_openUTF8(nullptr, s.data(), static_cast<int64_t>(s.size()), &err);
  if (U_SUCCESS(err)) ubrk_setUText(iter.it, ut, &err);
  if (U_FAILURE(err)) {
    if (ut) utext_close(ut);
    throw std::runtime_error(std::string("ICU grapheme breaking failed: ") + u_errorName(err));
  }
  for (int32_t e = ubrk_next(iter.it); e != UBRK_DONE; e = ubrk_next(iter.it))
    ends.push_back(static_cast<size_t>(e));
  utext_close(ut);
  return ends;
}

}  // namespace bertforge::hf
