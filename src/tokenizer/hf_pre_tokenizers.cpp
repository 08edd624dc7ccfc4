// The pre-tokenizers of hf_normalizers.h (one family per file: normalizers there, these here).
#include <algorithm>
#include <array>
#include <memory>

#include "tokenizer/hf_normalizers.h"
#include "tokenizer/hf_regex.h"

namespace bertforge::hf {

using Matches = std::vector<std::pair<Span, bool>>;

const char32_t* byte_to_char() {
  static const auto table = [] {
    std::array<char32_t, 256> t{};
    char32_t next = 256;
    for (int b = 0; b < 256; ++b) {
      const bool kept = (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE);
      t[static_cast<size_t>(b)] = kept ? static_cast<char32_t>(b) : next++;
    }
    return t;
  }();
  return table.data();
}

void split_at(const NormText& t, const Matches& matches, Behavior b, std::vector<NormText>* out) {
  std::vector<Span> keep;  // byte ranges of the pieces, in order
  bool prev = false;
  switch (b) {
    case Behavior::kIsolated:
    case Behavior::kRemoved:
      for (const auto& [s, m] : matches)
        if (!(m && b == Behavior::kRemoved)) keep.push_back(s);
      break;
    case Behavior::kContiguous:
      for (const auto& [s, m] : matches) {
        if (m == prev && !keep.empty())
          keep.back().end = s.end;
        else
          keep.push_back(s);
        prev = m;
      }
      break;
    case Behavior::kMergedWithPrevious:
      for (const auto& [s, m] : matches) {
        if (m && !prev && !keep.empty())
          keep.back().end = s.end;
        else
          keep.push_back(s);
        prev = m;
      }
      break;
    case Behavior::kMergedWithNext:
      for (size_t i = matches.size(); i-- > 0;) {
        const auto& [s, m] = matches[i];
        if (m && !prev && !keep.empty())
          keep.back().start = s.start;
        else
          keep.push_back(s);
        prev = m;
      }
      std::reverse(keep.begin(), keep.end());
      break;
  }
  for (const Span& s : keep)
    if (s.end > s.start) out->push_back(t.slice(s.start, s.end));
}

namespace {

Matches regex_matches(const std::string& text, const Regex& re, bool invert) {
  Matches m;
  std::vector<std::pair<size_t, size_t>> found;
  re.find_all(text, &found);
  size_t prev = 0;
  for (const auto& [s, e] : found) {
    if (prev != s) m.push_back({{uint32_t(prev), uint32_t(s)}, invert});
    m.push_back({{uint32_t(s), uint32_t(e)}, !invert});
    prev = e;
  }
  if (prev != text.size()) m.push_back({{uint32_t(prev), uint32_t(text.size())}, invert});
  return m;
}

template <class Pred>
Matches char_matches(const std::string& text, Pred pred) {
  Matches m;
  size_t run = 0;
  bool in_run = false;
  for (size_t i = 0; i < text.size();) {
    size_t n;
    const char32_t c = utf8_at(text, i, &n);
    if (pred(c)) {
      if (in_run) m.push_back({{uint32_t(run), uint32_t(i)}, false});
      in_run = false;
      m.push_back({{uint32_t(i), uint32_t(i + n)}, true});
    } else if (!in_run) {
      in_run = true;
      run = i;
    }
    i += n;
  }
  if (in_run) m.push_back({{uint32_t(run), uint32_t(text.size())}, false});
  return m;
}

// Applies `f` (NormText -> pieces) to every piece that is not an added token.
template <class F>
void each_piece(std::vector<Piece>& pieces, F f) {
  std::vector<Piece> out;
  out.reserve(pieces.size());
  std::vector<NormText> parts;
  for (Piece& p : pieces) {
    if (p.id >= 0) {
      out.push_back(std::move(p));
      continue;
    }
    parts.clear();
    f(p, &parts);
    for (NormText& t : parts)
      if (!t.empty()) out.push_back(Piece{std::move(t), -1});
  }
  pieces.swap(out);
}

Behavior behavior_of(const json& j, const std::string& path) {
  const std::string s = as_string(j, path);
  if (s == "Removed") return Behavior::kRemoved;
  if (s == "Isolated") return Behavior::kIsolated;
  if (s == "MergedWithPrevious") return Behavior::kMergedWithPrevious;
  if (s == "MergedWithNext") return Behavior::kMergedWithNext;
  if (s == "Contiguous") return Behavior::kContiguous;
  throw FormatError(path, "unknown split behavior \"" + s + "\"");
}

const char kGpt2Pattern[] =
    "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";

void prepend_str(NormText& t, const std::string& s);

PreTokenizer byte_level(const json& j, const std::string& path) {
  const bool prefix = opt_bool(j, "add_prefix_space", path, true);
  const bool use_regex = opt_bool(j, "use_regex", path, true);
  auto re = std::make_shared<Regex>(kGpt2Pattern);
  return [=](std::vector<Piece>& pieces) {
    each_piece(pieces, [&](Piece& p, std::vector<NormText>* out) {
      if (prefix && p.t.text[0] != ' ') prepend_str(p.t, " ");
      if (use_regex)
        split_at(p.t, regex_matches(p.t.text, *re, false), Behavior::kIsolated, out);
      else
        out->push_back(std::move(p.t));
      const char32_t* table = byte_to_char();
      for (NormText& t : *out) {
        std::vector<Change> c;
        c.reserve(t.text.size());
        for (size_t i = 0; i < t.text.size();) {
          const size_t n = utf8_len(static_cast<unsigned char>(t.text[i]));
          for (size_t k = 0; k < n; ++k)
            c.push_back({table[static_cast<unsigned char>(t.text[i + k])], k > 0 ? 1 : 0});
          i += n;
        }
        t.transform(c);
      }
    });
  };
}

void prepend_str(NormText& t, const std::string& s) {
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

PreTokenizer metaspace(const json& j, const std::string& path) {
  const std::string rep = as_string(member(j, "replacement", path), join_path(path, "replacement"));
  size_t n = 0;
  if (rep.empty() || !utf8_valid(rep) || (utf8_at(rep, 0, &n), n != rep.size()))
    throw FormatError(join_path(path, "replacement"), "expected one character");
  std::string scheme = "always";
  if (j.contains("prepend_scheme")) {
    scheme = as_string(j["prepend_scheme"], join_path(path, "prepend_scheme"));
    if (scheme != "always" && scheme != "first" && scheme != "never")
      throw FormatError(join_path(path, "prepend_scheme"), "expected always, first or never");
  } else if (!opt_bool(j, "add_prefix_space", path, true)) {
    scheme = "never";
  }
  const bool split = opt_bool(j, "split", path, true);
  auto space = std::make_shared<Regex>(" ");
  const char32_t rc = utf8_at(rep, 0, &n);
  return [=](std::vector<Piece>& pieces) {
    each_piece(pieces, [&](Piece& p, std::vector<NormText>* out) {
      replace_all(p.t, *space, rep);
      const bool starts = p.t.text.compare(0, rep.size(), rep) == 0;
      if (!starts && (scheme == "always" ||
                      (scheme == "first" && !p.t.align.empty() && p.t.align[0].start == 0)))
        prepend_str(p.t, rep);
      if (split)
        split_at(p.t, char_matches(p.t.text, [rc](char32_t c) { return c == rc; }),
                 Behavior::kMergedWithNext, out);
      else
        out->push_back(std::move(p.t));
    });
  };
}

template <class Pred>
PreTokenizer char_split(Pred pred, Behavior b) {
  return [=](std::vector<Piece>& pieces) {
    each_piece(pieces, [&](Piece& p, std::vector<NormText>* out) {
      split_at(p.t, char_matches(p.t.text, pred), b, out);
    });
  };
}

PreTokenizer regex_split(std::shared_ptr<Regex> re, Behavior b, bool invert) {
  return [=](std::vector<Piece>& pieces) {
    each_piece(pieces, [&](Piece& p, std::vector<NormText>* out) {
      split_at(p.t, regex_matches(p.t.text, *re, invert), b, out);
    });
  };
}

}  // namespace

PreTokenizer make_pre_tokenizer(const json& j, const std::string& path) {
  if (j.is_null()) return {};
  const std::string type = type_of(j, path);
  if (type == "Sequence") {
    const std::string lp = join_path(path, "pretokenizers");
    const json& list = as_array(member(j, "pretokenizers", path), lp);
    std::vector<PreTokenizer> parts;
    for (size_t i = 0; i < list.size(); ++i)
      if (auto p = make_pre_tokenizer(list[i], index_path(lp, i))) parts.push_back(std::move(p));
    return [parts](std::vector<Piece>& pieces) {
      for (const auto& p : parts) p(pieces);
    };
  }
  if (type == "ByteLevel") return byte_level(j, path);
  if (type == "Metaspace") return metaspace(j, path);
  if (type == "BertPreTokenizer") {
    auto ws = char_split(is_whitespace, Behavior::kRemoved);
    auto punct = char_split(is_punctuation, Behavior::kIsolated);
    return [ws, punct](std::vector<Piece>& pieces) {
      ws(pieces);
      punct(pieces);
    };
  }
  if (type == "WhitespaceSplit") return char_split(is_whitespace, Behavior::kRemoved);
  if (type == "Whitespace")
    return regex_split(std::make_shared<Regex>("\\w+|[^\\w\\s]+"), Behavior::kRemoved, true);
  if (type == "Punctuation") {
    const Behavior b = j.contains("behavior")
                           ? behavior_of(j["behavior"], join_path(path, "behavior"))
                           : Behavior::kIsolated;
    return char_split(is_punctuation, b);
  }
  if (type == "Digits") {
    const bool each = opt_bool(j, "individual_digits", path, false);
    return char_split(is_numeric, each ? Behavior::kIsolated : Behavior::kContiguous);
  }
  if (type == "Split") {
    auto re = pattern_regex(member(j, "pattern", path), join_path(path, "pattern"));
    const Behavior b = behavior_of(member(j, "behavior", path), join_path(path, "behavior"));
    return regex_split(re, b, opt_bool(j, "invert", path, false));
  }
  unknown_type("pre-tokenizer", type, path);
}

}  // namespace bertforge::hf
