#include "app/generate.h"

#include <iostream>
#include <limits>
#include <nlohmann/json.hpp>

#include "checkpoint/pretrained.h"
#include "console/logging.h"
#include "errors/errors.h"
#include "runtime/random.h"
#include "runtime/runtime.h"
#include "tokenizer/tokenizer.h"

namespace bertforge {

namespace {
void check_options(const GenerateOptions& o) {
  if (o.max_new_tokens < 1) throw UsageError("--max-new-tokens must be >= 1");
  if (o.sampling.temperature < 0) throw UsageError("--temperature must be >= 0 (0 = greedy)");
  if (o.sampling.top_k < 0) throw UsageError("--top-k must be >= 0 (0 = all tokens)");
  if (!(o.sampling.top_p > 0 && o.sampling.top_p <= 1))
    throw UsageError("--top-p must be in (0, 1]");
}

void check_objective(const Pretrained& p) {
  const std::string& objective = p.config.train.objective;
  if (objective == "mlm")
    throw UsageError(
        p.dir +
        " was trained as a masked LM only (train.objective mlm): it learned to fill "
        "[MASK] from both sides, never to predict the next token from the left context, "
        "so its continuations would be noise; pretrain with train.objective clm (or "
        "clm_then_mlm) to generate");
  if (objective != "clm")
    log::warn(
        "{} ended its training with MLM (train.objective {}): its causal-LM skill may have "
        "faded",
        p.dir, objective);
}

// The scores of the token after `ids` (causal attention), with the structural specials ([PAD],
// [CLS], [MASK]) never chosen.
std::vector<float> next_scores(PreTrainingModel& model, const std::vector<int64_t>& ids,
                               const SpecialIds& sp) {
  const int64_t T = static_cast<int64_t>(ids.size());
  auto input = torch::tensor(ids, torch::kInt64).view({1, T});
  PackedLayout causal;
  causal.causal = true;
  auto out = model.forward(input, torch::zeros_like(input), torch::ones_like(input),
                           torch::tensor(std::vector<int64_t>{T - 1}, torch::kInt64), causal);
  auto logits = out.mlm_logits[0].to(torch::kFloat32).contiguous();
  std::vector<float> v(logits.data_ptr<float>(), logits.data_ptr<float>() + logits.numel());
  for (int32_t id : {sp.pad, sp.cls, sp.mask}) v[id] = -std::numeric_limits<float>::infinity();
  return v;
}
}  // namespace

Generation generate(const std::string& checkpoint, const std::string& prompt,
                    const GenerateOptions& options) {
  check_options(options);
  Pretrained p = load_pretrained(checkpoint);
  check_objective(p);
  configure_threads(p.config.train.threads);
  Tokenizer tok = Tokenizer::load(p.tokenizer_model);
  const SpecialIds sp = tok.specials();
  Generation g;
  g.prompt_ids = tok.encode(prompt);
  if (g.prompt_ids.empty()) throw UsageError("the prompt is empty: give some text to continue");
  std::vector<int64_t> ids{sp.cls};
  ids.insert(ids.end(), g.prompt_ids.begin(), g.prompt_ids.end());
  const int64_t max_len = p.model->shape().max_position;
  if (static_cast<int64_t>(ids.size()) >= max_len)
    throw UsageError("the prompt is " + std::to_string(ids.size()) + " tokens, the model takes " +
                     std::to_string(max_len) + " in all");
  Rng rng(options.seed);
  torch::NoGradGuard no_grad;
  g.stop = "max_new_tokens";
  while (static_cast<int>(g.new_ids.size()) < options.max_new_tokens) {
    if (static_cast<int64_t>(ids.size()) >= max_len) {
      g.stop = "max_position";
      break;
    }
    const int32_t next = choose_token(next_scores(*p.model, ids, sp), options.sampling, rng);
    if (next == sp.sep) {
      g.stop = "sep";
      break;
    }
    ids.push_back(next);
    g.new_ids.push_back(next);
    g.new_pieces.push_back(tok.id_to_piece(next));
  }
  g.continuation = tok.decode(g.new_ids);
  std::vector<int> all = g.prompt_ids;
  all.insert(all.end(), g.new_ids.begin(), g.new_ids.end());
  g.text = tok.decode(all);
  return g;
}

int generate_command(const std::string& checkpoint, const std::string& prompt,
                     const GenerateOptions& options, bool as_json) {
  const Generation g = generate(checkpoint, prompt, options);
  if (!as_json) {
    std::cout << g.text << std::endl;
    return 0;
  }
  const nlohmann::json out = {
      {"text", g.text},   {"continuation", g.continuation}, {"prompt_ids", g.prompt_ids},
      {"ids", g.new_ids}, {"pieces", g.new_pieces},         {"stop", g.stop}};
  std::cout << out.dump() << std::endl;
  return 0;
}

}  // namespace bertforge
