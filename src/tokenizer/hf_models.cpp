#include "tokenizer/hf_models.h"

#include <cstdio>
#include <limits>

#include "tokenizer/hf_text.h"

namespace bertforge::hf {

void read_vocab_map(const json& j, const std::string& path, Vocab* v) {
  as_object(j, path);
  if (j.size() > static_cast<size_t>(kMaxVocab))
    throw FormatError(path, "too many tokens (" + std::to_string(j.size()) + ", at most " +
                                std::to_string(kMaxVocab) + ")");
  v->ids.reserve(j.size());
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string p = join_path(path, it.key());
    const int id = static_cast<int>(as_int(it.value(), p, 0, kMaxVocab - 1));
    if (static_cast<size_t>(id) >= v->tokens.size()) v->tokens.resize(static_cast<size_t>(id) + 1);
    if (!v->tokens[static_cast<size_t>(id)].empty() || v->ids.count(it.key()))
      throw FormatError(p, "id " + std::to_string(id) + " is given to two tokens");
    v->tokens[static_cast<size_t>(id)] = it.key();
    v->ids.emplace(it.key(), id);
  }
}

namespace {

class WordPieceModel : public Model {
 public:
  WordPieceModel(const json& j, const std::string& path) {
    type_ = "WordPiece";
    read_vocab_map(member(j, "vocab", path), join_path(path, "vocab"), &vocab_);
    prefix_ = opt_string(j, "continuing_subword_prefix", path, "##");
    const std::string unk = opt_string(j, "unk_token", path, "[UNK]");
    unk_id_ = vocab_.find(unk);
    if (unk_id_ < 0)
      throw FormatError(join_path(path, "unk_token"), "\"" + unk + "\" is not in model.vocab");
    if (j.contains("max_input_chars_per_word"))
      max_chars_ = static_cast<size_t>(as_int(j["max_input_chars_per_word"],
                                              join_path(path, "max_input_chars_per_word"), 0,
                                              std::numeric_limits<int32_t>::max()));
  }

  void tokenize(const std::string& s, std::vector<Token>* out) const override {
    const uint32_t n = static_cast<uint32_t>(s.size());
    if (utf8_count(s, s.size()) > max_chars_) {
      out->push_back({unk_id_, 0, n});
      return;
    }
    const size_t first = out->size();
    std::string sub;
    size_t start = 0;
    while (start < s.size()) {
      size_t end = s.size();
      int found = -1;
      while (start < end) {
        sub.clear();
        if (start > 0) sub += prefix_;
        sub.append(s, start, end - start);
        found = vocab_.find(sub);
        if (found >= 0) break;
        do --end;  // back to the previous char boundary
        while (end > start && (static_cast<unsigned char>(s[end]) & 0xC0) == 0x80);
      }
      if (found < 0) {
        out->resize(first);
        out->push_back({unk_id_, 0, n});
        return;
      }
      out->push_back({found, static_cast<uint32_t>(start), static_cast<uint32_t>(end)});
      start = end;
    }
  }

 private:
  size_t max_chars_ = 100;
};

class Unigram : public Model {
 public:
  Unigram(const json& j, const std::string& path) {
    type_ = "Unigram";
    const std::string vp = join_path(path, "vocab");
    const json& list = as_array(member(j, "vocab", path), vp);
    if (list.size() > static_cast<size_t>(kMaxVocab))
      throw FormatError(vp, "too many tokens (" + std::to_string(list.size()) + ")");
    double min_score = std::numeric_limits<double>::infinity();
    for (size_t i = 0; i < list.size(); ++i) {
      const std::string p = index_path(vp, i);
      if (!list[i].is_array() || list[i].size() != 2)
        throw FormatError(p, "expected [\"piece\", score]");
      const std::string piece = as_string(list[i][0], index_path(p, 0));
      const double score = as_number(list[i][1], index_path(p, 1));
      if (!vocab_.ids.emplace(piece, static_cast<int>(i)).second)
        throw FormatError(p, "the piece \"" + piece + "\" repeats");
      vocab_.tokens.push_back(piece);
      scores_.push_back(score);
      min_score = std::min(min_score, score);
      max_len_ = std::max(max_len_, piece.size());
    }
    if (!j.contains("unk_id") || j["unk_id"].is_null() || list.empty())
      throw FormatError(join_path(path, "unk_id"), "missing (bertforge needs an unknown piece)");
    unk_id_ = static_cast<int>(
        as_int(j["unk_id"], join_path(path, "unk_id"), 0, static_cast<int64_t>(list.size()) - 1));
    byte_fallback_ = opt_bool(j, "byte_fallback", path, false);
    unk_score_ = min_score - 10.0;
    for (int b = 0; b < 256; ++b) {
      char name[8];
      std::snprintf(name, sizeof name, "<0x%02X>", b);
      byte_ids_[b] = vocab_.find(name);
    }
  }

  void tokenize(const std::string& s, std::vector<Token>* out) const override;

 private:
  std::vector<double> scores_;
  double unk_score_ = 0;
  size_t max_len_ = 0;
  bool byte_fallback_ = false;
  int byte_ids_[256];
};

void Unigram::tokenize(const std::string& s, std::vector<Token>* out) const {
  struct Node {
    int id = -1;
    double score = 0;
    long start = -1;
  };
  const size_t n = s.size();
  std::vector<Node> best(n + 1);
  best[0].start = 0;
  std::string key;
  for (size_t at = 0; at < n;) {
    const size_t mblen = utf8_len(static_cast<unsigned char>(s[at]));
    const double here = best[at].score;
    bool single = false;
    for (size_t len = 1; len <= max_len_ && at + len <= n; ++len) {
      key.assign(s, at, len);
      const int id = vocab_.find(key);
      if (id < 0) continue;
      Node& target = best[at + len];
      const double cand = scores_[static_cast<size_t>(id)] + here;
      if (target.start < 0 || cand > target.score) target = {id, cand, static_cast<long>(at)};
      if (len == mblen) single = true;
    }
    if (!single) {
      Node& target = best[std::min(at + mblen, n)];
      const double cand = unk_score_ + here;
      if (target.start < 0 || cand > target.score) target = {unk_id_, cand, static_cast<long>(at)};
    }
    at += mblen;
  }
  // Back from the end; runs of unknown pieces fuse into one.
  std::vector<std::pair<size_t, size_t>> pieces;  // reversed
  size_t end = n, unk_end = 0;
  bool in_unk = false;
  while (end > 0) {
    const Node& node = best[end];
    const size_t start = static_cast<size_t>(node.start);
    if (unk_id_ >= 0 && node.id == unk_id_) {
      if (!in_unk) unk_end = end;
      in_unk = true;
    } else {
      if (in_unk) pieces.push_back({end, unk_end});
      in_unk = false;
      pieces.push_back({start, end});
    }
    end = start;
  }
  if (in_unk) pieces.push_back({0, unk_end});
  for (size_t k = pieces.size(); k-- > 0;) {
    const auto [b, e] = pieces[k];
    key.assign(s, b, e - b);
    int id = vocab_.find(key);
    if (id < 0 && byte_fallback_) {
      bool all = true;
      for (size_t i = b; i < e; ++i) all = all && byte_ids_[static_cast<unsigned char>(s[i])] >= 0;
      if (all) {
        for (size_t i = b; i < e; ++i)
          out->push_back({byte_ids_[static_cast<unsigned char>(s[i])], uint32_t(b), uint32_t(e)});
        continue;
      }
    }
    if (id < 0) id = unk_id_;
    out->push_back({id, static_cast<uint32_t>(b), static_cast<uint32_t>(e)});
  }
}

}  // namespace

std::unique_ptr<Model> make_model(const json& j, const std::string& path) {
  const std::string type =
      j.is_object() && !j.contains("type") && j.contains("merges") ? "BPE" : type_of(j, path);
  if (type == "BPE") return make_bpe(j, path);
  if (type == "WordPiece") return std::make_unique<WordPieceModel>(j, path);
  if (type == "Unigram") return std::make_unique<Unigram>(j, path);
  unknown_type("model", type, path);
}

}  // namespace bertforge::hf
