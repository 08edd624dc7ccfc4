#include "app/predict.h"

#include <iostream>
#include <nlohmann/json.hpp>

#include "console/logging.h"
#include "finetune/finetuned.h"
#include "finetune/inference.h"
#include "fs/fs.h"
#include "labelled/encode.h"
#include "runtime/runtime.h"
#include "tokenizer/tokenizer.h"

namespace bertforge {
using json = nlohmann::json;

namespace {
bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

json prediction(const Finetuned& f, const LabelledExample& ex, const EncodedExample& enc,
                const std::vector<float>& values) {
  if (f.task == "regression") return {{"label", values.at(0)}};
  const std::vector<int> ids = argmax_row(values, f.labels.size());
  if (f.task == "classification") {
    json probs = json::object();
    for (int k = 0; k < f.labels.size(); ++k) probs[f.labels.name(k)] = values[k];
    return {{"label", f.labels.name(ids.at(0))}, {"probabilities", probs}};
  }
  json tags = json::array();
  for (int w = 0; w < enc.words; ++w)
    tags.push_back(w < static_cast<int>(ids.size()) ? json(f.labels.name(ids[w])) : json());
  return {{"tokens", ex.tokens}, {"label", tags}};
}
}  // namespace

int64_t predict_labels(const std::string& checkpoint, const std::string& data,
                       const std::string& out) {
  Finetuned f = load_finetuned(checkpoint);
  configure_threads(f.config.train.threads);
  const Tokenizer tok = Tokenizer::load(f.tokenizer_model);
  LabelledFormat format = LabelledFormat::from(f.config.finetune);
  format.need_labels = false;
  for (const char* ext : {"jsonl", "csv", "tsv"})
    if (ends_with(data, std::string(".") + ext)) format.format = ext;
  if (format.task == "token_classification" && format.format != "jsonl")
    format.format = "jsonl";  // words and tags are lists: JSON Lines only
  const std::vector<LabelledExample> examples = read_labelled(data, format);
  const int max_len =
      std::min<int>(f.config.finetune.max_seq_len, static_cast<int>(f.model->shape().max_position));
  const EncodeOptions o{f.task, max_len, f.config.finetune.subword_labels == "all", false,
                        f.model->shape().architecture};
  std::vector<EncodedExample> encoded;
  for (const auto& ex : examples) encoded.push_back(encode_example(tok, ex, f.labels, o));
  const Outputs outputs =
      run_model(f.model, encoded, tok.specials().pad,
                static_cast<int>(f.config.finetune.eval_batch_size), torch::kCPU, false);
  std::string text;
  for (size_t i = 0; i < examples.size(); ++i)
    text += prediction(f, examples[i], encoded[i], outputs.values[i]).dump() + "\n";
  if (out.empty()) {
    std::cout << text << std::flush;
  } else {
    fs::write_file_atomic(out, text);
    log::info("{} predictions of {} written to {}", examples.size(), f.dir, out);
  }
  return static_cast<int64_t>(examples.size());
}

}  // namespace bertforge
