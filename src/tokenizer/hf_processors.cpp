#include "tokenizer/hf_processors.h"

#include <memory>

#include "tokenizer/hf_normalizers.h"
#include "tokenizer/hf_regex.h"
#include "tokenizer/hf_text.h"

namespace bertforge::hf {

namespace {

// The library's byte_level::process_offsets (leading/trailing "Ġ" or whitespace trimmed).
void trim_offsets(Encoded* e, bool add_prefix_space, const std::function<std::string(int)>& piece) {
  const char32_t space = byte_to_char()[' '];
  for (size_t i = 0; i < e->ids.size(); ++i) {
    std::vector<char32_t> cs;
    const std::string& s = e->strings[i];
    for (size_t k = 0; k < s.size();) {
      size_t n;
      cs.push_back(utf8_at(s, k, &n));
      k += n;
    }
    auto sp = [&](char32_t c) { return c == space || is_whitespace(c); };
    uint32_t lead = 0, trail = 0;
    while (lead < cs.size() && sp(cs[lead])) ++lead;
    while (trail < cs.size() && sp(cs[cs.size() - 1 - trail])) ++trail;
    auto& [b, en] = e->offsets[i];
    if (lead > 0) {
      const bool first = i == 0 || b == 0;
      if (first && add_prefix_space && lead == 1) lead = 0;
      b = std::min(b + lead, en);
    }
    if (trail > 0 && en >= trail) en = std::max(en - trail, b);
  }
}

std::pair<std::string, int> special_pair(const json& j, const std::string& path,
                                         const Vocab& vocab) {
  if (!j.is_array() || j.size() != 2) throw FormatError(path, "expected [\"token\", id]");
  return {as_string(j[0], index_path(path, 0)),
          static_cast<int>(as_int(j[1], index_path(path, 1), 0, kMaxVocab - 1))};
}

void wrap(Encoded* e, const std::vector<int>& before, const std::vector<int>& after) {
  Encoded out;
  for (int id : before) out.ids.push_back(id), out.offsets.push_back({0, 0});
  out.ids.insert(out.ids.end(), e->ids.begin(), e->ids.end());
  out.offsets.insert(out.offsets.end(), e->offsets.begin(), e->offsets.end());
  for (int id : after) out.ids.push_back(id), out.offsets.push_back({0, 0});
  out.strings.resize(before.size());
  out.strings.insert(out.strings.end(), e->strings.begin(), e->strings.end());
  out.strings.resize(out.ids.size());
  *e = std::move(out);
}

PostProcessor template_processing(const json& j, const std::string& path, const Vocab& vocab) {
  std::unordered_map<std::string, std::vector<int>> specials;
  const std::string sp = join_path(path, "special_tokens");
  if (j.contains("special_tokens")) {
    const json& m = as_object(j["special_tokens"], sp);
    for (auto it = m.begin(); it != m.end(); ++it) {
      const std::string p = join_path(sp, it.key());
      const json& ids = as_array(member(as_object(it.value(), p), "ids", p), join_path(p, "ids"));
      std::vector<int> v;
      for (size_t i = 0; i < ids.size(); ++i)
        v.push_back(
            static_cast<int>(as_int(ids[i], index_path(join_path(p, "ids"), i), 0, kMaxVocab - 1)));
      specials[it.key()] = v;
    }
  }
  const std::string single_path = join_path(path, "single");
  const json& single = as_array(member(j, "single", path), single_path);
  std::vector<int> before, after;
  bool seen_a = false;
  for (size_t i = 0; i < single.size(); ++i) {
    const std::string p = index_path(single_path, i);
    const json& piece = as_object(single[i], p);
    if (piece.contains("Sequence")) {
      const std::string id =
          as_string(member(piece["Sequence"], "id", p + ".Sequence"), p + ".Sequence.id");
      if (id != "A") throw FormatError(p, "a single-sequence template names sequence " + id);
      seen_a = true;
    } else if (piece.contains("SpecialToken")) {
      const std::string id = as_string(member(piece["SpecialToken"], "id", p + ".SpecialToken"),
                                       p + ".SpecialToken.id");
      auto it = specials.find(id);
      if (it == specials.end()) throw FormatError(p, "\"" + id + "\" is not in special_tokens");
      auto& dst = seen_a ? after : before;
      dst.insert(dst.end(), it->second.begin(), it->second.end());
    } else {
      throw FormatError(p, "expected {\"Sequence\": ...} or {\"SpecialToken\": ...}");
    }
  }
  return [before, after](Encoded* e, bool add, const std::function<std::string(int)>&) {
    if (add) wrap(e, before, after);
  };
}

}  // namespace

PostProcessor make_post_processor(const json& j, const std::string& path, const Vocab& vocab) {
  if (j.is_null()) return {};
  const std::string type = type_of(j, path);
  if (type == "TemplateProcessing") return template_processing(j, path, vocab);
  if (type == "BertProcessing" || type == "RobertaProcessing") {
    const int cls = special_pair(member(j, "cls", path), join_path(path, "cls"), vocab).second;
    const int sep = special_pair(member(j, "sep", path), join_path(path, "sep"), vocab).second;
    const bool roberta = type == "RobertaProcessing";
    const bool trim = roberta && opt_bool(j, "trim_offsets", path, true);
    const bool prefix = opt_bool(j, "add_prefix_space", path, true);
    return [=](Encoded* e, bool add, const std::function<std::string(int)>& piece) {
      if (trim) trim_offsets(e, prefix, piece);
      if (add) wrap(e, {cls}, {sep});
    };
  }
  if (type == "ByteLevel") {
    const bool trim = opt_bool(j, "trim_offsets", path, true);
    const bool prefix = opt_bool(j, "add_prefix_space", path, true);
    return [=](Encoded* e, bool, const std::function<std::string(int)>& piece) {
      if (trim) trim_offsets(e, prefix, piece);
    };
  }
  if (type == "Sequence") {
    const std::string lp = join_path(path, "processors");
    const json& list = as_array(member(j, "processors", path), lp);
    std::vector<PostProcessor> parts;
    for (size_t i = 0; i < list.size(); ++i)
      if (auto p = make_post_processor(list[i], index_path(lp, i), vocab)) parts.push_back(p);
    return [parts](Encoded* e, bool add, const std::function<std::string(int)>& piece) {
      for (const auto& p : parts) p(e, add, piece);
    };
  }
  unknown_type("post-processor", type, path);
}

namespace {
using Tokens = std::vector<std::string>;

std::string concat(const Tokens& t) {
  std::string s;
  for (const auto& x : t) s += x;
  return s;
}

// ByteLevel: the GPT-2 byte alphabet back to bytes, then to UTF-8 (invalid bytes replaced).
Tokens byte_level_decode(Tokens t) {
  std::string bytes;
  std::unordered_map<char32_t, char> back;
  for (int b = 0; b < 256; ++b) back[byte_to_char()[b]] = static_cast<char>(b);
  for (const auto& s : t)
    for (size_t i = 0; i < s.size();) {
      size_t n;
      const char32_t c = utf8_at(s, i, &n);
      auto it = back.find(c);
      if (it != back.end())
        bytes += it->second;
      else
        bytes.append(s, i, n);
      i += n;
    }
  return Tokens{utf8_sanitize(bytes)};
}

// ByteFallback: runs of <0xNN> pieces back to their bytes.
Tokens byte_fallback_decode(Tokens t) {
  Tokens out;
  std::string bytes;
  auto flush = [&] {
    if (!bytes.empty()) out.push_back(utf8_sanitize(bytes));
    bytes.clear();
  };
  for (const auto& s : t) {
    if (s.size() == 6 && s.compare(0, 3, "<0x") == 0 && s[5] == '>') {
      bytes += static_cast<char>(std::stoi(s.substr(3, 2), nullptr, 16));
    } else {
      flush();
      out.push_back(s);
    }
  }
  flush();
  return out;
}

// Strip: `content` removed up to `start` times at the front and `stop` times at the end.
std::function<Tokens(Tokens)> strip_decoder(const json& j, const std::string& path) {
  const std::string content = as_string(member(j, "content", path), join_path(path, "content"));
  const int64_t start = as_int(member(j, "start", path), join_path(path, "start"), 0, 1 << 20);
  const int64_t stop = as_int(member(j, "stop", path), join_path(path, "stop"), 0, 1 << 20);
  return [=](Tokens t) {
    for (auto& s : t) {
      for (int64_t k = 0; k < start && s.compare(0, content.size(), content) == 0; ++k)
        s = s.substr(content.size());
      for (int64_t k = 0; k < stop && s.size() >= content.size() &&
                          s.compare(s.size() - content.size(), content.size(), content) == 0;
           ++k)
        s.resize(s.size() - content.size());
    }
    return t;
  };
}

std::function<Tokens(Tokens)> decoder_step(const json& j, const std::string& path) {
  const std::string type = type_of(j, path);
  if (type == "ByteLevel") return byte_level_decode;
  if (type == "Metaspace") {
    const std::string rep =
        as_string(member(j, "replacement", path), join_path(path, "replacement"));
    const bool never = opt_string(j, "prepend_scheme", path, "always") == "never";
    return [rep, never](Tokens t) {
      for (size_t i = 0; i < t.size(); ++i) {
        std::string out;
        for (size_t p = 0; p < t[i].size();) {
          if (!rep.empty() && t[i].compare(p, rep.size(), rep) == 0) {
            if (i > 0 || never) out += ' ';
            p += rep.size();
          } else {
            out += t[i][p++];
          }
        }
        t[i] = out;
      }
      return t;
    };
  }
  if (type == "WordPiece") {
    const std::string prefix = opt_string(j, "prefix", path, "##");
    return [prefix](Tokens t) {
      for (size_t i = 0; i < t.size(); ++i) {
        if (i > 0 && t[i].compare(0, prefix.size(), prefix) == 0)
          t[i] = t[i].substr(prefix.size());
        else if (i > 0)
          t[i] = " " + t[i];
      }
      return t;
    };
  }
  if (type == "ByteFallback") return byte_fallback_decode;
  if (type == "Fuse") return [](Tokens t) { return Tokens{concat(t)}; };
  if (type == "Strip") return strip_decoder(j, path);
  if (type == "Replace") {
    auto re = pattern_regex(member(j, "pattern", path), join_path(path, "pattern"));
    const std::string content = as_string(member(j, "content", path), join_path(path, "content"));
    return [re, content](Tokens t) {
      for (auto& s : t) {
        NormText n = NormText::original(s);
        replace_all(n, *re, content);
        s = n.text;
      }
      return t;
    };
  }
  if (type == "BPEDecoder") {
    const std::string suffix = opt_string(j, "suffix", path, "</w>");
    return [suffix](Tokens t) {
      for (size_t i = 0; i < t.size(); ++i) {
        const size_t at = suffix.empty() ? std::string::npos : t[i].find(suffix);
        if (at != std::string::npos) t[i].replace(at, suffix.size(), i + 1 == t.size() ? "" : " ");
      }
      return t;
    };
  }
  if (type == "Sequence") {
    const std::string lp = join_path(path, "decoders");
    const json& list = as_array(member(j, "decoders", path), lp);
    std::vector<std::function<Tokens(Tokens)>> parts;
    for (size_t i = 0; i < list.size(); ++i)
      parts.push_back(decoder_step(list[i], index_path(lp, i)));
    return [parts](Tokens t) {
      for (const auto& p : parts) t = p(std::move(t));
      return t;
    };
  }
  unknown_type("decoder", type, path);
}
}  // namespace

Decoder make_decoder(const json& j, const std::string& path) {
  if (j.is_null())
    return [](Tokens t) {
      std::string s;
      for (size_t i = 0; i < t.size(); ++i) s += (i ? " " : "") + t[i];
      return s;
    };
  auto step = decoder_step(j, path);
  return [step](Tokens t) { return concat(step(std::move(t))); };
}

}  // namespace bertforge::hf
