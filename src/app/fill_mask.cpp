#include "app/fill_mask.h"

#include <spdlog/fmt/fmt.h>

#include <algorithm>
#include <iomanip>
#include <iostream>
#include <nlohmann/json.hpp>

#include "checkpoint/pretrained.h"
#include "console/logging.h"
#include "errors/errors.h"
#include "runtime/runtime.h"
#include "tokenizer/hf_tokenizer.h"
#include "tokenizer/tokenizer.h"
#include "train/objective.h"

namespace bertforge {

namespace {
// The model input of `text`: [CLS], the text with each "[MASK]" one mask position, [SEP]. A
// tokenizer.json tokenizer encodes the whole text as HF's tokenizers does (its mask token, e.g.
// "<mask>" with lstrip, in place of each "[MASK]"; its post-processor's specials); the others
// encode the pieces between the masks.
std::vector<int64_t> fill_mask_ids(const Tokenizer& tok, const std::string& text, int* masks) {
  const SpecialIds sp = tok.specials();
  const std::string marker = "[MASK]";
  std::vector<int64_t> ids;
  if (const HfTokenizer* hf = tok.hf()) {
    const std::string mask_token = tok.id_to_piece(sp.mask);
    std::string replaced;
    for (size_t pos = 0;;) {
      const size_t next = text.find(marker, pos);
      replaced += text.substr(pos, next == std::string::npos ? std::string::npos : next - pos);
      if (next == std::string::npos) break;
      replaced += mask_token;
      pos = next + marker.size();
    }
    for (int id : hf->encode(replaced, true).ids) ids.push_back(id);
    if (ids.empty() || ids.front() != sp.cls) ids.insert(ids.begin(), sp.cls);
    if (ids.back() != sp.sep) ids.push_back(sp.sep);
    *masks = static_cast<int>(std::count(ids.begin(), ids.end(), int64_t{sp.mask}));
    return ids;
  }
  // Split on the literal "[MASK]" and encode the pieces between, so that a mask is one position.
  ids.push_back(sp.cls);
  size_t pos = 0;
  while (true) {
    size_t next = text.find(marker, pos);
    std::string part = text.substr(pos, next == std::string::npos ? std::string::npos : next - pos);
    for (int id : tok.encode(part)) ids.push_back(id);
    if (next == std::string::npos) break;
    ids.push_back(sp.mask);
    ++*masks;
    pos = next + marker.size();
  }
  ids.push_back(sp.sep);
  return ids;
}
}  // namespace

std::vector<std::vector<MaskPrediction>> fill_mask(const std::string& checkpoint,
                                                   const std::string& text, int top_k) {
  if (top_k < 1) throw UsageError("--top-k must be >= 1");
  Pretrained p = load_pretrained(checkpoint);
  if (ends_causal(p.config.train.objective))
    log::warn(
        "{} was trained as a causal LM (train.objective clm): it learned to predict a token "
        "from its left context only, never to fill [MASK] from both sides; expect poor fills",
        p.dir);
  configure_threads(p.config.train.threads);
  Tokenizer tok = Tokenizer::load(p.tokenizer_model);
  const SpecialIds sp = tok.specials();
  int masks = 0;
  const std::vector<int64_t> ids = fill_mask_ids(tok, text, &masks);
  if (masks == 0) throw UsageError("the text has no [MASK] to fill");
  const int64_t max_len = p.model->shape().max_position;
  if (static_cast<int64_t>(ids.size()) > max_len)
    throw UsageError("the text is " + std::to_string(ids.size()) + " tokens, the model takes " +
                     std::to_string(max_len));
  const int64_t T = static_cast<int64_t>(ids.size());
  auto input = torch::tensor(ids, torch::kInt64).view({1, T});
  std::vector<int64_t> mask_positions;
  for (int64_t i = 0; i < T; ++i)
    if (ids[i] == sp.mask) mask_positions.push_back(i);
  torch::NoGradGuard ng;
  auto out = p.model->forward(input, torch::zeros_like(input), torch::ones_like(input),
                              torch::tensor(mask_positions, torch::kInt64));
  auto probs = torch::softmax(out.mlm_logits, -1);  // (M, V)
  // Specials other than [UNK] are never a sensible fill.
  probs.index_put_({torch::indexing::Slice(),
                    torch::tensor(std::vector<int64_t>{sp.pad, sp.cls, sp.sep, sp.mask})},
                   0.0);
  auto [top_p, top_i] = probs.topk(std::min<int64_t>(top_k, probs.size(1)), -1);
  std::vector<std::vector<MaskPrediction>> result(mask_positions.size());
  for (size_t m = 0; m < mask_positions.size(); ++m) {
    for (int64_t k = 0; k < top_p.size(1); ++k) {
      MaskPrediction pr;
      pr.id = static_cast<int>(top_i[m][k].item<int64_t>());
      pr.probability = top_p[m][k].item<double>();
      pr.token = tok.id_to_piece(pr.id);
      const std::string marker_u2581 = "\xe2\x96\x81";
      if (pr.token.rfind(marker_u2581, 0) == 0) pr.token = " " + pr.token.substr(3);
      result[m].push_back(pr);
    }
  }
  return result;
}

int fill_mask_command(const std::string& checkpoint, const std::string& text, int top_k,
                      bool as_json) {
  const auto result = fill_mask(checkpoint, text, top_k);
  if (as_json) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& preds : result) {
      nlohmann::json list = nlohmann::json::array();
      for (const auto& p : preds)
        list.push_back({{"token", p.token}, {"id", p.id}, {"probability", p.probability}});
      out.push_back(list);
    }
    std::cout << out.dump() << std::endl;
    return 0;
  }
  for (size_t m = 0; m < result.size(); ++m) {
    std::cout << "[MASK] #" << (m + 1) << ":\n";
    for (const auto& p : result[m])
      std::cout << "  " << std::left << std::setw(20) << ("'" + p.token + "'") << " "
                << fmt::format("{:.4f}", p.probability) << "  (id " << p.id << ")\n";
  }
  return 0;
}

}  // namespace bertforge
