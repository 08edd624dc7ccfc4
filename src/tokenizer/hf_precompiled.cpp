#include "tokenizer/hf_precompiled.h"

#include <stdexcept>

namespace bertforge::hf {
namespace {

// darts-clone's unit layout.
bool has_leaf(uint32_t u) { return (u >> 8) & 1; }
uint32_t value(uint32_t u) { return u & ((1u << 31) - 1); }
uint32_t label(uint32_t u) { return u & ((1u << 31) | 0xff); }
uint32_t offset(uint32_t u) { return (u >> 10) << ((u & (1u << 9)) >> 6); }

uint32_t le32(std::string_view b, size_t at) {
  return uint32_t(uint8_t(b[at])) | uint32_t(uint8_t(b[at + 1])) << 8 |
         uint32_t(uint8_t(b[at + 2])) << 16 | uint32_t(uint8_t(b[at + 3])) << 24;
}

size_t char_count(std::string_view s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xc0) != 0x80;
  return n;
}

// One replaced cluster or char, as the library records it: the new chars replace; when there are
// more new chars than old, the last ones are inserted (+1); when fewer, the last char recorded so
// far (this replacement's, or an earlier one's when it is empty) removes the difference.
void push_replacement(std::string_view old_part, std::string_view norm, std::vector<Change>* out) {
  const int diff = static_cast<int>(char_count(norm)) - static_cast<int>(char_count(old_part));
  for (size_t k = 0; k < norm.size();) {
    size_t len;
    out->push_back({utf8_at(norm, k, &len), 0});
    k += len;
  }
  if (diff > 0) {
    for (size_t i = 0; i < static_cast<size_t>(diff) && i < out->size(); ++i)
      (*out)[out->size() - 1 - i].change = 1;
  } else if (diff < 0 && !out->empty()) {
    out->back().change += diff;
  }
}

}  // namespace

PrecompiledCharsmap PrecompiledCharsmap::parse(std::string_view bytes) {
  if (bytes.size() < 4) throw std::invalid_argument("shorter than its 4-byte size field");
  const size_t units = le32(bytes, 0) / 4;
  if (units > (bytes.size() - 4) / 4)
    throw std::invalid_argument("its trie of " + std::to_string(units) + " units runs past the " +
                                std::to_string(bytes.size()) + " bytes");
  if (units == 0) throw std::invalid_argument("its trie is empty");
  PrecompiledCharsmap m;
  m.units_.resize(units);
  for (size_t i = 0; i < units; ++i) m.units_[i] = le32(bytes, 4 + 4 * i);
  m.replacements_ = std::string(bytes.substr(4 + 4 * units));
  if (!utf8_valid(m.replacements_))
    throw std::invalid_argument("its replacement strings are not valid UTF-8");
  m.validate();
  for (int c = 1; c < 128; ++c)
    m.ascii_keyed_[c] = m.first_match(std::string(1, static_cast<char>(c))).has_value();
  for (int c = 0; c < 256; ++c) m.stop_[c] = c >= 0x80 || (c < 0x80 && m.ascii_keyed_[c]);
  m.stop_['\r'] = m.stop_['\r'] || m.first_match("\r\n").has_value();
  return m;
}

// Walks every key: each unit a lookup can read is inside the array, each value starts a
// replacement. A position is walked once (a hostile array may join branches or loop).
void PrecompiledCharsmap::validate() const {
  const size_t n = units_.size();
  std::vector<bool> seen(n, false);
  std::vector<size_t> stack{static_cast<size_t>(offset(units_[0]))};
  while (!stack.empty()) {
    const size_t base = stack.back();
    stack.pop_back();
    if (base >= n) throw std::invalid_argument("a trie node lies outside the array");
    if (seen[base]) continue;
    seen[base] = true;
    for (size_t c = 1; c < 256; ++c) {
      const size_t child = base ^ c;
      if (child >= n) throw std::invalid_argument("a trie lookup reads outside the array");
      const uint32_t u = units_[child];
      if (label(u) != c) continue;
      const size_t next = child ^ offset(u);
      if (next >= n) throw std::invalid_argument("a trie node lies outside the array");
      if (has_leaf(u)) {
        const size_t v = value(units_[next]);
        if (v > replacements_.size() ||
            (v < replacements_.size() && (uint8_t(replacements_[v]) & 0xc0) == 0x80))
          throw std::invalid_argument("a key's value " + std::to_string(v) +
                                      " is not the start of a replacement string");
      }
      stack.push_back(next);
    }
  }
}

std::optional<std::string_view> PrecompiledCharsmap::first_match(std::string_view s) const {
  size_t pos = offset(units_[0]);
  for (unsigned char c : s) {
    if (c == 0) break;
    pos ^= c;
    const uint32_t u = units_[pos];
    if (label(u) != c) return std::nullopt;
    pos ^= offset(u);
    if (has_leaf(u)) {
      const size_t v = value(units_[pos]);
      const size_t end = replacements_.find('\0', v);
      return std::string_view(replacements_)
          .substr(v, (end == std::string::npos ? replacements_.size() : end) - v);
    }
  }
  return std::nullopt;
}

// ASCII text: each char is a cluster of its own, except CR LF (one cluster).
bool PrecompiledCharsmap::ascii_changes(std::string_view text, std::vector<Change>* out) const {
  bool modified = false;
  auto one = [&](std::string_view c) {
    if (!ascii_keyed_[static_cast<unsigned char>(c[0])]) {
      out->push_back({static_cast<char32_t>(c[0]), 0});
      return;
    }
    modified = true;
    push_replacement(c, *first_match(c), out);
  };
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
      if (auto norm = first_match(text.substr(i, 2))) {
        modified = true;
        push_replacement(text.substr(i, 2), *norm, out);
      } else {
        one(text.substr(i, 1));
        one(text.substr(i + 1, 1));
      }
      ++i;
      continue;
    }
    one(text.substr(i, 1));
  }
  return modified;
}

bool PrecompiledCharsmap::changes(std::string_view text, std::vector<Change>* out) const {
  out->clear();
  size_t i = 0;  // the common case first: ASCII without a key, one table lookup per byte
  while (i < text.size() && !stop_[static_cast<unsigned char>(text[i])]) ++i;
  if (i == text.size()) return false;
  bool ascii = true;
  for (; i < text.size() && ascii; ++i) ascii = static_cast<unsigned char>(text[i]) < 0x80;
  if (ascii) return ascii_changes(text, out);
  bool modified = false;
  size_t b = 0;
  for (size_t e : grapheme_ends(text)) {
    const std::string_view g = text.substr(b, e - b);
    b = e;
    if (g.size() < 6) {
      if (auto norm = first_match(g)) {
        modified = true;
        push_replacement(g, *norm, out);
        continue;
      }
    }
    for (size_t k = 0; k < g.size();) {
      size_t len;
      const char32_t cp = utf8_at(g, k, &len);
      const std::string_view part = g.substr(k, len);
      k += len;
      if (auto norm = first_match(part)) {
        modified = true;
        push_replacement(part, *norm, out);
      } else {
        out->push_back({cp, 0});
      }
    }
  }
  return modified;
}

void PrecompiledCharsmap::apply(NormText& t) const {
  std::vector<Change> c;
  if (changes(t.text, &c)) t.transform(c);
}

bool PrecompiledCharsmap::normalize_into(std::string_view text, std::string* out) const {
  size_t i = 0;
  while (i < text.size() && !stop_[static_cast<unsigned char>(text[i])]) ++i;
  if (i == text.size()) return false;
  thread_local std::vector<Change> c;
  if (!utf8_valid(text)) {  // as the library sees it: each invalid sequence as U+FFFD
    const std::string valid = utf8_sanitize(text);
    if (!normalize_into(valid, out)) *out = valid;
    return true;
  }
  if (!changes(text, &c)) return false;
  out->clear();
  out->reserve(text.size());
  for (const Change& x : c) utf8_append(out, x.cp);
  return true;
}

std::string PrecompiledCharsmap::normalize(std::string_view text) const {
  std::string out;
  return normalize_into(text, &out) ? out : std::string(text);
}

}  // namespace bertforge::hf
