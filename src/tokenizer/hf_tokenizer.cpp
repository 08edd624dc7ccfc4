#include "tokenizer/hf_tokenizer.h"

#include <algorithm>
#include <set>

#include "errors/errors.h"
#include "tokenizer/hf_json.h"
#include "tokenizer/hf_models.h"
#include "tokenizer/hf_normalizers.h"
#include "tokenizer/hf_processors.h"
#include "tokenizer/hf_text.h"

namespace bertforge {
using namespace hf;  // NOLINT: this file is the reader's top

namespace {

struct Added {
  std::string content, pattern;  // pattern: content, normalized when `normalized`
  int id;
  bool special, lstrip, rstrip, single_word, normalized;
};

// Leftmost-longest matching of a set of strings (the library's Aho-Corasick split).
class Matcher {
 public:
  void add(const std::string& s, size_t index) {
    if (s.empty()) return;
    by_string_[s] = index;
    first_[static_cast<unsigned char>(s[0])] = true;
    lengths_.insert(s.size());
  }
  bool empty() const { return by_string_.empty(); }
  // The leftmost-longest match at or after `from`: {start, length, index}; length 0 when none.
  void find(const std::string& text, size_t from, size_t* start, size_t* len, size_t* index) const {
    for (size_t i = from; i < text.size(); ++i) {
      if (!first_[static_cast<unsigned char>(text[i])]) continue;
      for (auto it = lengths_.rbegin(); it != lengths_.rend(); ++it) {
        if (i + *it > text.size()) continue;
        auto f = by_string_.find(text.substr(i, *it));
        if (f != by_string_.end()) {
          *start = i, *len = *it, *index = f->second;
          return;
        }
      }
    }
    *len = 0;
  }

 private:
  std::unordered_map<std::string, size_t> by_string_;
  std::set<size_t> lengths_;
  bool first_[256] = {};
};

bool word_char_before(const std::string& s, size_t at) {
  if (at == 0) return false;
  size_t b = at - 1;
  while (b > 0 && (static_cast<unsigned char>(s[b]) & 0xC0) == 0x80) --b;
  size_t n;
  return is_word_char(utf8_at(s, b, &n));
}
bool word_char_at(const std::string& s, size_t at) {
  size_t n;
  return at < s.size() && is_word_char(utf8_at(s, at, &n));
}

}  // namespace

struct HfTokenizer::Impl {
  std::unique_ptr<Model> model;
  Normalizer normalizer;
  PreTokenizer pre_tokenizer;
  PostProcessor post;
  Decoder decoder;
  std::vector<Added> added;
  Matcher raw, normalized;          // added tokens matched before / after normalization
  std::vector<std::string> tokens;  // by id: added tokens over the model's
  std::unordered_map<std::string, int> ids;
  std::vector<uint8_t> added_id, word_start;

  void split_added(std::vector<Piece>& pieces, const Matcher& m, bool normalize) const;
  void pipeline(std::string_view text, std::vector<Piece>* pieces) const;
  void model_tokens(const Piece& p, std::vector<Token>* out) const;
};

namespace {
const std::string kEmpty;
}

void HfTokenizer::Impl::split_added(std::vector<Piece>& pieces, const Matcher& m,
                                    bool normalize) const {
  std::vector<Piece> out;
  for (Piece& p : pieces) {
    if (p.id >= 0) {
      out.push_back(std::move(p));
      continue;
    }
    if (normalize && normalizer) normalizer(p.t);
    const std::string& s = p.t.text;
    size_t from = 0, done = 0;
    while (!m.empty() && from < s.size()) {
      size_t start, len, index;
      m.find(s, from, &start, &len, &index);
      if (len == 0) break;
      const Added& a = added[index];
      size_t stop = start + len;
      from = stop;  // the search goes on after the match itself, even when rstrip takes more
      if (a.single_word && (word_char_before(s, start) || word_char_at(s, stop))) continue;
      if (a.lstrip) {
        size_t b = start;
        while (b > 0) {
          size_t k = b - 1;
          while (k > 0 && (static_cast<unsigned char>(s[k]) & 0xC0) == 0x80) --k;
          size_t n;
          if (!is_whitespace(utf8_at(s, k, &n))) break;
          b = k;
        }
        start = std::max(b, done);
      }
      if (a.rstrip) {
        size_t n;
        while (stop < s.size() && is_whitespace(utf8_at(s, stop, &n))) stop += n;
      }
      // As the library: the next match may overlap what rstrip took (both keep those bytes).
      if (done < start) out.push_back(Piece{p.t.slice(done, start), -1});
      out.push_back(Piece{p.t.slice(std::min(start, stop), stop), a.id});
      done = stop;
    }
    if (done < s.size()) out.push_back(Piece{p.t.slice(done, s.size()), -1});
  }
  pieces.swap(out);
}

void HfTokenizer::Impl::pipeline(std::string_view text, std::vector<Piece>* pieces) const {
  pieces->clear();
  if (text.empty()) return;
  pieces->push_back(Piece{NormText::original(text), -1});
  split_added(*pieces, raw, false);
  split_added(*pieces, normalized, true);
  if (pre_tokenizer) pre_tokenizer(*pieces);
}

void HfTokenizer::Impl::model_tokens(const Piece& p, std::vector<Token>* out) const {
  out->clear();
  if (p.id >= 0) {
    out->push_back({p.id, 0, static_cast<uint32_t>(p.t.text.size())});
    return;
  }
  if (!p.t.text.empty()) model->tokenize(p.t.text, out);
}

namespace {

std::vector<Added> read_added(const json& j, const std::string& path) {
  std::vector<Added> out;
  if (j.is_null()) return out;
  as_array(j, path);
  for (size_t i = 0; i < j.size(); ++i) {
    const std::string p = index_path(path, i);
    as_object(j[i], p);
    Added a;
    a.id = static_cast<int>(as_int(member(j[i], "id", p), join_path(p, "id"), 0, kMaxVocab - 1));
    a.content = as_string(member(j[i], "content", p), join_path(p, "content"));
    if (a.content.empty()) throw FormatError(join_path(p, "content"), "an added token is empty");
    a.special = opt_bool(j[i], "special", p, false);
    a.lstrip = opt_bool(j[i], "lstrip", p, false);
    a.rstrip = opt_bool(j[i], "rstrip", p, false);
    a.single_word = opt_bool(j[i], "single_word", p, false);
    a.normalized = opt_bool(j[i], "normalized", p, !a.special);
    out.push_back(std::move(a));
  }
  return out;
}

// The vocabulary by id: the model's, with the added tokens over it. Ids must cover [0, n).
void build_vocab(HfTokenizer::Impl* impl, const std::string& model_path) {
  const Vocab& v = impl->model->vocab();
  impl->tokens = v.tokens;
  impl->ids = v.ids;
  impl->added_id.assign(v.tokens.size(), 0);
  std::unordered_map<std::string, size_t> seen;
  for (size_t i = 0; i < impl->added.size(); ++i) {
    const Added& a = impl->added[i];
    const std::string p = index_path("added_tokens", i);
    if (!seen.emplace(a.content, i).second)
      throw FormatError(p, "\"" + a.content + "\" is added twice (also added_tokens[" +
                               std::to_string(seen[a.content]) + "])");
    const int in_model = v.find(a.content);
    if (in_model >= 0 && in_model != a.id)
      throw FormatError(join_path(p, "id"), "\"" + a.content + "\" is id " +
                                                std::to_string(in_model) + " in " + model_path +
                                                ", not " + std::to_string(a.id));
    const size_t id = static_cast<size_t>(a.id);
    if (id >= impl->tokens.size()) {
      impl->tokens.resize(id + 1);
      impl->added_id.resize(id + 1, 0);
    }
    if (in_model < 0 && (!impl->tokens[id].empty() || impl->added_id[id]))
      throw FormatError(join_path(p, "id"),
                        "id " + std::to_string(id) + " is already \"" + impl->tokens[id] + "\"");
    impl->tokens[id] = a.content;
    impl->ids[a.content] = a.id;
    impl->added_id[id] = 1;
  }
  for (size_t id = 0; id < impl->tokens.size(); ++id)
    if (impl->tokens[id].empty() && !impl->added_id[id])
      throw FormatError(model_path + ".vocab",
                        "no token has id " + std::to_string(id) + " (ids must be 0.." +
                            std::to_string(impl->tokens.size() - 1) + " without gaps)");
}

bool starts_with(const std::string& s, const char* p) { return s.rfind(p, 0) == 0; }

}  // namespace

HfTokenizer HfTokenizer::parse(const std::string& bytes, const std::string& file) {
  HfTokenizer t;
  Impl& impl = *t.impl_;
  try {
    const json j = json::parse(bytes);
    as_object(j, "(top level)");
    impl.model = make_model(member(j, "model", ""), "model");
    impl.normalizer = make_normalizer(j.value("normalizer", json()), "normalizer");
    impl.pre_tokenizer = make_pre_tokenizer(j.value("pre_tokenizer", json()), "pre_tokenizer");
    impl.post = make_post_processor(j.value("post_processor", json()), "post_processor",
                                    impl.model->vocab());
    impl.decoder = make_decoder(j.value("decoder", json()), "decoder");
    impl.added = read_added(j.value("added_tokens", json()), "added_tokens");
    build_vocab(&impl, "model");
    for (size_t i = 0; i < impl.added.size(); ++i) {
      Added& a = impl.added[i];
      a.pattern = a.content;
      if (a.normalized && impl.normalizer) {
        NormText n = NormText::original(a.content);
        impl.normalizer(n);
        a.pattern = n.text;
      }
      (a.normalized ? impl.normalized : impl.raw).add(a.pattern, i);
    }
  } catch (const json::exception& e) {
    throw InputError(file, 0, std::string("not valid JSON: ") + e.what());
  } catch (const FormatError& e) {
    throw InputError(file, 0, "at " + e.path() + ": " + e.what());
  }
  const std::string& prefix = impl.model->continuing_prefix();
  impl.word_start.assign(impl.tokens.size(), 0);
  for (size_t id = 0; id < impl.tokens.size(); ++id) {
    const std::string& s = impl.tokens[id];
    bool start;
    if (impl.added_id[id])
      start = true;
    else if (!prefix.empty())
      start = !starts_with(s, prefix.c_str());
    else
      start = starts_with(s, "\xE2\x96\x81") || starts_with(s, "\xC4\xA0") ||
              (s.size() == 6 && starts_with(s, "<0x") && s[5] == '>');
    impl.word_start[id] = start ? 1 : 0;
  }
  return t;
}

HfTokenizer::HfTokenizer() : impl_(std::make_unique<Impl>()) {}
HfTokenizer::HfTokenizer(HfTokenizer&&) noexcept = default;
HfTokenizer& HfTokenizer::operator=(HfTokenizer&&) noexcept = default;
HfTokenizer::~HfTokenizer() = default;

bool HfTokenizer::looks_like(const std::string& bytes) {
  size_t i = 0;
  while (i < bytes.size() && std::isspace(static_cast<unsigned char>(bytes[i]))) ++i;
  if (i == bytes.size() || bytes[i] != '{') return false;
  return bytes.find("\"model\"") != std::string::npos &&
         bytes.find("bertforge-wordpiece") == std::string::npos;
}

HfTokenizer::Encoding HfTokenizer::encode(std::string_view raw_text, bool add_special) const {
  const std::string text = utf8_sanitize(raw_text);
  std::vector<Piece> pieces;
  impl_->pipeline(text, &pieces);
  Encoded e;
  std::vector<Token> toks;
  for (const Piece& p : pieces) {
    impl_->model_tokens(p, &toks);
    for (const Token& t : toks) {
      const Span s = p.t.to_original(t.start, t.end);
      e.ids.push_back(t.id);
      e.offsets.push_back({s.start, s.end});
      e.strings.push_back(p.id >= 0 ? p.t.text : id_to_token(t.id));
    }
  }
  // Byte offsets to char offsets, before the post-processor (the library's Python binding
  // converts first: offset trimming counts chars).
  std::vector<uint32_t> chars(text.size() + 1, 0);
  uint32_t count = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) ++count;
    chars[i + 1] = count;
  }
  for (size_t i = 0; i < text.size(); ++i) chars[i] = chars[i + 1] - 1;
  for (auto& [b, en] : e.offsets) {
    b = b >= text.size() ? count : chars[b];
    en = en >= text.size() ? count : (en == 0 ? 0 : chars[en - 1] + 1);
  }
  if (impl_->post) impl_->post(&e, add_special, [this](int id) { return id_to_token(id); });
  Encoding out;
  out.ids = e.ids;
  for (const auto& [b, en] : e.offsets) out.offsets.push_back({b, en});
  return out;
}

void HfTokenizer::encode_ids(std::string_view raw_text, std::vector<int>* ids, HfMemo* memo) const {
  ids->clear();
  const std::string text = utf8_valid(raw_text) ? std::string(raw_text) : utf8_sanitize(raw_text);
  thread_local std::vector<Piece> pieces;
  thread_local std::vector<Token> toks;
  impl_->pipeline(text, &pieces);
  for (const Piece& p : pieces) {
    if (memo && p.id < 0 && p.t.text.size() <= 64) {
      auto it = memo->index->find(p.t.text);
      if (it != memo->index->end()) {
        const int* first = memo->pool->data() + it->second.first;
        ids->insert(ids->end(), first, first + it->second.second);
        continue;
      }
    }
    impl_->model_tokens(p, &toks);
    const size_t before = ids->size();
    for (const Token& t : toks) ids->push_back(t.id);
    if (memo && p.id < 0 && p.t.text.size() <= 64) {
      if (memo->index->size() >= memo->max_words) {
        memo->index->clear();
        memo->pool->clear();
      }
      memo->index->emplace(p.t.text, std::make_pair(static_cast<uint32_t>(memo->pool->size()),
                                                    static_cast<uint32_t>(ids->size() - before)));
      memo->pool->insert(memo->pool->end(), ids->begin() + static_cast<std::ptrdiff_t>(before),
                         ids->end());
    }
  }
}

std::string HfTokenizer::decode(const std::vector<int>& ids) const {
  std::vector<std::string> tokens;
  for (int id : ids) tokens.push_back(id_to_token(id));
  return impl_->decoder(std::move(tokens));
}

int HfTokenizer::vocab_size() const { return static_cast<int>(impl_->tokens.size()); }
const std::string& HfTokenizer::id_to_token(int id) const {
  return id >= 0 && id < vocab_size() ? impl_->tokens[static_cast<size_t>(id)] : kEmpty;
}
int HfTokenizer::token_to_id(const std::string& token) const {
  auto it = impl_->ids.find(token);
  return it == impl_->ids.end() ? -1 : it->second;
}
bool HfTokenizer::is_added(int id) const {
  return id >= 0 && id < vocab_size() && impl_->added_id[static_cast<size_t>(id)];
}
bool HfTokenizer::is_word_start(int id) const {
  return id >= 0 && id < vocab_size() && impl_->word_start[static_cast<size_t>(id)];
}
const std::string& HfTokenizer::model_type() const { return impl_->model->type(); }

}  // namespace bertforge
