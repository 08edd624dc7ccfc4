#include "train/init_from.h"

#include <algorithm>

#include "tokenizer/tokenizer.h"

namespace bertforge {
namespace {

// For each id of `to_tok`: the ids of `from_tok` whose rows make its row (one id: a copy).
std::vector<std::vector<int>> row_sources(const Tokenizer& from_tok, const Tokenizer& to_tok) {
  std::vector<std::vector<int>> sources(static_cast<size_t>(to_tok.vocab_size()));
  for (int id = 0; id < to_tok.vocab_size(); ++id) {
    const std::string piece = to_tok.id_to_piece(id);
    if (id < from_tok.vocab_size() && from_tok.id_to_piece(id) == piece) {
      sources[id] = {id};
      continue;
    }
    const bool continuation = piece.rfind("##", 0) == 0;
    std::vector<int> parts = from_tok.encode(continuation ? piece.substr(2) : piece);
    if (parts.empty()) parts = {from_tok.specials().unk};
    sources[id] = parts;
  }
  return sources;
}

bool is_vocab_parameter(const PreTrainingModel& m, const std::string& name) {
  const auto names = m.vocab_parameters();
  return std::find(names.begin(), names.end(), name) != names.end();
}

}  // namespace

int copy_pretrained_weights(PreTrainingModel& from, PreTrainingModel& to, bool skip_nsp_head,
                            const Tokenizer& from_tok, const Tokenizer& to_tok) {
  torch::NoGradGuard ng;
  const auto sources = row_sources(from_tok, to_tok);
  int new_rows = 0;
  for (const auto& s : sources) new_rows += s.size() != 1;
  auto src = from.named_parameters();
  for (auto& item : to.named_parameters()) {
    if (skip_nsp_head && !to.nsp_prefix().empty() && item.key().rfind(to.nsp_prefix(), 0) == 0)
      continue;
    const torch::Tensor* s = src.find(item.key());
    TORCH_CHECK(s, "missing ", item.key());
    if (!is_vocab_parameter(to, item.key())) {
      TORCH_CHECK(s->sizes() == item.value().sizes(), "mis-shaped ", item.key());
      item.value().copy_(*s);
      continue;
    }
    TORCH_CHECK(item.value().size(0) == static_cast<int64_t>(sources.size()), "vocab of ",
                item.key());
    const int64_t common = std::min(s->size(0), item.value().size(0));
    item.value().narrow(0, 0, common).copy_(s->narrow(0, 0, common));
    for (size_t id = 0; id < sources.size(); ++id) {
      if (sources[id].size() == 1 && sources[id][0] == static_cast<int>(id)) continue;
      const auto index =
          torch::tensor(std::vector<int64_t>(sources[id].begin(), sources[id].end()));
      item.value()[static_cast<int64_t>(id)].copy_(s->index_select(0, index).mean(0));
    }
  }
  return new_rows;
}

}  // namespace bertforge
