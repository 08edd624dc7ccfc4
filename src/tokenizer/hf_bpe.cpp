// The BPE model of hf_models.h.
#include <cstdio>
#include <queue>

#include "tokenizer/hf_models.h"
#include "tokenizer/hf_text.h"

namespace bertforge::hf {

namespace {

struct Symbol {
  int id;
  int prev, next;
  uint32_t start, len;
};

struct MergeEntry {
  int rank, new_id;
};

struct QueueItem {
  int rank;
  int pos;
  int new_id;
  bool operator<(const QueueItem& o) const {  // std::priority_queue pops the largest
    return rank != o.rank ? rank > o.rank : pos > o.pos;
  }
};

class Bpe : public Model {
 public:
  Bpe(const json& j, const std::string& path);
  void tokenize(const std::string& s, std::vector<Token>* out) const override;

 private:
  const MergeEntry* merge(int a, int b) const {
    auto it = merges_.find((uint64_t(uint32_t(a)) << 32) | uint32_t(b));
    return it == merges_.end() ? nullptr : &it->second;
  }
  void read_merges(const json& list, const std::string& path);

  std::unordered_map<uint64_t, MergeEntry> merges_;
  std::string suffix_;
  bool byte_fallback_ = false, ignore_merges_ = false, fuse_unk_ = false;
  int byte_ids_[256];
};

Bpe::Bpe(const json& j, const std::string& path) {
  type_ = "BPE";
  if (j.contains("dropout") && !j["dropout"].is_null() &&
      as_number(j["dropout"], join_path(path, "dropout")) > 0)
    throw FormatError(
        join_path(path, "dropout"),
        "BPE dropout is random; bertforge encodes deterministically (set it to null)");
  read_vocab_map(member(j, "vocab", path), join_path(path, "vocab"), &vocab_);
  prefix_ = opt_string(j, "continuing_subword_prefix", path, "");
  suffix_ = opt_string(j, "end_of_word_suffix", path, "");
  byte_fallback_ = opt_bool(j, "byte_fallback", path, false);
  ignore_merges_ = opt_bool(j, "ignore_merges", path, false);
  fuse_unk_ = opt_bool(j, "fuse_unk", path, false);
  const std::string unk = opt_string(j, "unk_token", path, "");
  if (!unk.empty()) unk_id_ = vocab_.find(unk);  // the library fails only when one is needed
  for (int b = 0; b < 256; ++b) {
    char name[8];
    std::snprintf(name, sizeof name, "<0x%02X>", b);
    byte_ids_[b] = vocab_.find(name);
  }
  read_merges(member(j, "merges", path), join_path(path, "merges"));
}

void Bpe::read_merges(const json& list, const std::string& path) {
  as_array(list, path);
  if (list.size() > static_cast<size_t>(kMaxVocab))
    throw FormatError(path, "too many merges (" + std::to_string(list.size()) + ")");
  merges_.reserve(list.size());
  for (size_t i = 0; i < list.size(); ++i) {
    const std::string p = index_path(path, i);
    std::string a, b;
    if (list[i].is_string()) {
      const std::string s = list[i].get<std::string>();
      const size_t sp = s.find(' ');
      if (sp == std::string::npos || s.find(' ', sp + 1) != std::string::npos)
        throw FormatError(p, "expected \"a b\" (two tokens and one space)");
      a = s.substr(0, sp);
      b = s.substr(sp + 1);
    } else if (list[i].is_array() && list[i].size() == 2) {
      a = as_string(list[i][0], index_path(p, 0));
      b = as_string(list[i][1], index_path(p, 1));
    } else {
      throw FormatError(p, "expected \"a b\" or [\"a\", \"b\"]");
    }
    const int ia = vocab_.find(a), ib = vocab_.find(b);
    if (ia < 0) throw FormatError(p, "merge names \"" + a + "\", which is not in model.vocab");
    if (ib < 0) throw FormatError(p, "merge names \"" + b + "\", which is not in model.vocab");
    if (b.size() < prefix_.size())
      throw FormatError(p, "\"" + b + "\" is shorter than continuing_subword_prefix");
    const std::string merged = a + b.substr(prefix_.size());
    const int id = vocab_.find(merged);
    if (id < 0) throw FormatError(p, "the merged token \"" + merged + "\" is not in model.vocab");
    merges_[(uint64_t(uint32_t(ia)) << 32) | uint32_t(ib)] = {static_cast<int>(i), id};
  }
}

void Bpe::tokenize(const std::string& s, std::vector<Token>* out) const {
  if (ignore_merges_) {
    const int id = vocab_.find(s);
    if (id >= 0) {
      out->push_back({id, 0, static_cast<uint32_t>(s.size())});
      return;
    }
  }
  std::vector<Symbol> sym;
  sym.reserve(s.size());
  uint32_t pos = 0;
  auto add = [&](int id, uint32_t len) {
    const int k = static_cast<int>(sym.size());
    sym.push_back({id, k - 1, k + 1, pos, len});
    pos += len;
  };
  int unk = -1;
  uint32_t unk_len = 0;
  std::string piece;
  for (size_t i = 0; i < s.size();) {
    const size_t n = utf8_len(static_cast<unsigned char>(s[i]));
    piece.clear();
    if (i > 0) piece += prefix_;
    piece.append(s, i, n);
    if (i + n >= s.size()) piece += suffix_;
    i += n;
    const int id = vocab_.find(piece);
    if (id >= 0) {
      if (unk >= 0) add(unk, unk_len), unk = -1;
      add(id, static_cast<uint32_t>(n));
      continue;
    }
    if (byte_fallback_) {
      bool all = true;
      for (unsigned char c : piece) all = all && byte_ids_[c] >= 0;
      if (all) {
        for (unsigned char c : piece) add(byte_ids_[c], 1);
        continue;
      }
    }
    if (unk_id_ >= 0) {
      if (unk >= 0 && fuse_unk_) {
        unk_len += static_cast<uint32_t>(n);
      } else {
        if (unk >= 0) add(unk, unk_len);
        unk = unk_id_;
        unk_len = static_cast<uint32_t>(n);
      }
    }
  }
  if (unk >= 0) add(unk, unk_len);
  if (sym.empty()) return;
  sym.back().next = -1;
  std::priority_queue<QueueItem> queue;
  for (size_t k = 0; k + 1 < sym.size(); ++k)
    if (const MergeEntry* m = merge(sym[k].id, sym[k + 1].id))
      queue.push({m->rank, static_cast<int>(k), m->new_id});
  while (!queue.empty()) {
    const QueueItem top = queue.top();
    queue.pop();
    Symbol& cur = sym[static_cast<size_t>(top.pos)];
    if (cur.len == 0 || cur.next < 0) continue;
    Symbol& right = sym[static_cast<size_t>(cur.next)];
    const MergeEntry* m = merge(cur.id, right.id);
    if (!m || m->new_id != top.new_id) continue;
    cur.id = top.new_id;
    cur.len += right.len;
    cur.next = right.next;
    right.len = 0;
    if (cur.next >= 0) sym[static_cast<size_t>(cur.next)].prev = top.pos;
    if (cur.prev >= 0)
      if (const MergeEntry* pm = merge(sym[static_cast<size_t>(cur.prev)].id, cur.id))
        queue.push({pm->rank, cur.prev, pm->new_id});
    if (cur.next >= 0)
      if (const MergeEntry* nm = merge(cur.id, sym[static_cast<size_t>(cur.next)].id))
        queue.push({nm->rank, top.pos, nm->new_id});
  }
  for (const Symbol& x : sym)
    if (x.len > 0) out->push_back({x.id, x.start, x.start + x.len});
}

}  // namespace

std::unique_ptr<Model> make_bpe(const json& j, const std::string& path) {
  return std::make_unique<Bpe>(j, path);
}

}  // namespace bertforge::hf
