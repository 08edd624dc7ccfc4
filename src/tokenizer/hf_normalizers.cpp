#include "tokenizer/hf_normalizers.h"

#include <memory>
#include <optional>

#include "fs/base64.h"
#include "tokenizer/hf_precompiled.h"
#include "tokenizer/hf_regex.h"

namespace bertforge::hf {

namespace {

bool is_chinese_char(char32_t c) {
  return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) ||
         (c >= 0x20000 && c <= 0x2A6DF) || (c >= 0x2A700 && c <= 0x2B73F) ||
         (c >= 0x2B740 && c <= 0x2B81F) || (c >= 0x2B920 && c <= 0x2CEAF) ||
         (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x2F800 && c <= 0x2FA1F);
}

// The library's NormalizedString::filter.
template <class Keep>
void filter(NormText& t, Keep keep) {
  std::vector<Change> out;
  int removed = 0;
  size_t removed_start = 0;
  bool have_last = false;
  char32_t last = 0;
  for (const Change& c : t.chars()) {
    if (keep(c.cp)) {
      if (have_last)
        out.push_back({last, -removed});
      else
        removed_start = static_cast<size_t>(removed);
      last = c.cp;
      have_last = true;
      removed = 0;
    } else {
      ++removed;
    }
  }
  if (have_last)
    out.push_back({last, -removed});
  else
    removed_start = static_cast<size_t>(removed);
  t.transform(out, removed_start);
}

template <class Map>
void map_chars(NormText& t, Map f) {
  std::vector<Change> c = t.chars();
  for (Change& x : c) x.cp = f(x.cp);
  t.transform(c);
}

void lowercase(NormText& t) {
  std::vector<Change> out;
  std::vector<char32_t> low;
  for (const Change& c : t.chars()) {
    low.clear();
    to_lower(c.cp, &low);
    for (size_t i = 0; i < low.size(); ++i) out.push_back({low[i], i > 0 ? 1 : 0});
  }
  t.transform(out);
}

void normalize_form(NormText& t, NormForm f) {
  std::vector<Change> out;
  unicode_normalize(t, f, &out);
  t.transform(out);
}

void prepend(NormText& t, const std::string& s) {
  if (t.empty() || s.empty()) return;
  std::vector<Change> out;
  for (size_t i = 0; i < s.size();) {
    size_t n;
    out.push_back({utf8_at(s, i, &n), i > 0 ? 1 : 0});
    i += n;
  }
  std::vector<Change> rest = t.chars();
  rest[0].change = 1;
  out.insert(out.end(), rest.begin(), rest.end());
  t.transform(out);
}

// The library's NormalizedString::lrstrip, including its mix of char and byte counts.
void strip(NormText& t, bool left, bool right) {
  std::vector<Change> c = t.chars();
  size_t lead = 0, trail = 0;
  if (left)
    while (lead < c.size() && is_whitespace(c[lead].cp)) ++lead;
  if (right)
    while (trail < c.size() && is_whitespace(c[c.size() - 1 - trail].cp)) ++trail;
  if (lead == 0 && trail == 0) return;
  std::vector<Change> out;
  const size_t count = c.size();
  for (size_t i = 0; i < count; ++i) {
    if (i < lead || i >= count - trail) continue;
    if (i + trail + 1 == t.text.size())
      out.push_back({c[i].cp, -static_cast<int>(trail)});
    else
      out.push_back({c[i].cp, 0});
  }
  t.transform(out, lead);
}

}  // namespace

void replace_all(NormText& t, const Regex& re, const std::string& content) {
  std::vector<std::pair<size_t, size_t>> m;
  re.find_all(t.text, &m);
  if (m.empty()) return;
  NormText out;
  size_t last = 0;
  for (const auto& [s, e] : m) {
    out.text.append(t.text, last, s - last);
    out.align.insert(out.align.end(), t.align.begin() + static_cast<std::ptrdiff_t>(last),
                     t.align.begin() + static_cast<std::ptrdiff_t>(s));
    const Span a = e == 0 ? Span{0, 0} : t.align[e - 1];
    out.text += content;
    out.align.insert(out.align.end(), content.size(), a);
    last = e;
  }
  out.text.append(t.text, last, std::string::npos);
  out.align.insert(out.align.end(), t.align.begin() + static_cast<std::ptrdiff_t>(last),
                   t.align.end());
  t = std::move(out);
}

std::shared_ptr<Regex> pattern_regex(const json& j, const std::string& path) {
  as_object(j, path);
  if (j.contains("String"))
    return std::make_shared<Regex>(Regex::escape(as_string(j["String"], path + ".String")));
  if (j.contains("Regex")) {
    const std::string p = as_string(j["Regex"], path + ".Regex");
    try {
      return std::make_shared<Regex>(p);
    } catch (const std::invalid_argument& e) {
      throw FormatError(path + ".Regex", e.what());
    }
  }
  throw FormatError(path, "expected {\"String\": ...} or {\"Regex\": ...}");
}

namespace {
// {"type": "Precompiled", "precompiled_charsmap": base64 of a SentencePiece character map}.
Normalizer precompiled(const json& j, const std::string& path) {
  const std::string key = join_path(path, "precompiled_charsmap");
  const std::string text = as_string(member(j, "precompiled_charsmap", path), key);
  const std::optional<std::string> bytes = base64_decode(text);
  if (!bytes) throw FormatError(key, "expected base64 (a SentencePiece precompiled_charsmap)");
  try {
    auto map = std::make_shared<const PrecompiledCharsmap>(PrecompiledCharsmap::parse(*bytes));
    return [map](NormText& t) { map->apply(t); };
  } catch (const std::invalid_argument& e) {
    throw FormatError(key, std::string("not a SentencePiece precompiled_charsmap: ") + e.what());
  }
}
}  // namespace

Normalizer make_normalizer(const json& j, const std::string& path) {
  if (j.is_null()) return {};
  const std::string type = type_of(j, path);
  if (type == "Sequence") {
    const json& list = as_array(member(j, "normalizers", path), join_path(path, "normalizers"));
    std::vector<Normalizer> parts;
    for (size_t i = 0; i < list.size(); ++i)
      if (auto n = make_normalizer(list[i], index_path(join_path(path, "normalizers"), i)))
        parts.push_back(std::move(n));
    return [parts](NormText& t) {
      for (const auto& n : parts) n(t);
    };
  }
  if (type == "BertNormalizer") {
    const bool clean = opt_bool(j, "clean_text", path, true);
    const bool chinese = opt_bool(j, "handle_chinese_chars", path, true);
    const bool lower = opt_bool(j, "lowercase", path, true);
    const bool accents = opt_bool(j, "strip_accents", path, lower);
    return [=](NormText& t) {
      if (clean) {
        filter(t, [](char32_t c) {
          const bool control = c != '\t' && c != '\n' && c != '\r' && is_other(c);
          return !(c == 0 || c == 0xFFFD || control);
        });
        map_chars(t, [](char32_t c) {
          return (c == '\t' || c == '\n' || c == '\r' || is_whitespace(c)) ? U' ' : c;
        });
      }
      if (chinese) {
        std::vector<Change> out;
        for (const Change& c : t.chars()) {
          if (is_chinese_char(c.cp))
            out.insert(out.end(), {{U' ', 0}, {c.cp, 1}, {U' ', 1}});
          else
            out.push_back(c);
        }
        t.transform(out);
      }
      if (accents) {
        normalize_form(t, NormForm::kNFD);
        filter(t, [](char32_t c) { return !is_nonspacing_mark(c); });
      }
      if (lower) lowercase(t);
    };
  }
  if (type == "NFC") return [](NormText& t) { normalize_form(t, NormForm::kNFC); };
  if (type == "NFD") return [](NormText& t) { normalize_form(t, NormForm::kNFD); };
  if (type == "NFKC") return [](NormText& t) { normalize_form(t, NormForm::kNFKC); };
  if (type == "NFKD") return [](NormText& t) { normalize_form(t, NormForm::kNFKD); };
  if (type == "Lowercase") return lowercase;
  if (type == "StripAccents")
    return [](NormText& t) { filter(t, [](char32_t c) { return !is_mark(c); }); };
  if (type == "Replace") {
    auto re = pattern_regex(member(j, "pattern", path), join_path(path, "pattern"));
    const std::string content = as_string(member(j, "content", path), join_path(path, "content"));
    return [re, content](NormText& t) { replace_all(t, *re, content); };
  }
  if (type == "Prepend") {
    const std::string s = as_string(member(j, "prepend", path), join_path(path, "prepend"));
    return [s](NormText& t) { prepend(t, s); };
  }
  if (type == "Strip") {
    const bool l = opt_bool(j, "strip_left", path, true),
               r = opt_bool(j, "strip_right", path, true);
    return [l, r](NormText& t) { strip(t, l, r); };
  }
  if (type == "Precompiled") return precompiled(j, path);
  unknown_type("normalizer", type, path);
}

}  // namespace bertforge::hf
