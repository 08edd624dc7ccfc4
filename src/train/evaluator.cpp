#include "train/evaluator.h"

#include <algorithm>
#include <cmath>
#include <memory>
#include <nlohmann/json.hpp>

#include "common/config.h"
#include "common/errors.h"
#include "common/fs.h"
#include "common/logging.h"
#include "data/dataset.h"
#include "data/loader.h"
#include "data/prepare.h"
#include "model/bert.h"
#include "tokenizer/tokenizer.h"
#include "train/batch_tensors.h"
#include "train/distributed.h"
#include "train/loss.h"
#include "train/pretrained.h"
#include "train/runtime.h"

namespace bertforge {

nlohmann::json EvalMetrics::to_json() const {
  return {{"step", step},
          {"mlm_loss", mlm_loss},
          {"mlm_accuracy", mlm_accuracy},
          {"perplexity", perplexity},
          {"nsp_accuracy", nsp_accuracy},
          {"majority_accuracy", majority_accuracy},
          {"mask_accuracy", mask_accuracy},
          {"mask_majority_accuracy", mask_majority_accuracy},
          {"mask_tokens", mask_tokens},
          {"examples", examples},
          {"masked_tokens", masked_tokens},
          {"nsp_pairs", nsp_pairs}};
}

EvalMetrics evaluate_model(BertForPreTrainingImpl& model, const Dataset& data, const Config& config,
                           const std::vector<uint8_t>& word_start, const c10::Device& device,
                           int64_t max_batches, Distributed* dist) {
  LoaderOptions opt;
  opt.seed = config.seed + 1;  // fixed masks, independent of the training stream
  opt.rank = dist ? dist->rank() : 0;
  opt.world_size = dist ? dist->world_size() : 1;
  opt.batch_size = config.train.batch_size;
  opt.shuffle = false;
  opt.vocab_size = static_cast<int>(model.shape().vocab_size);
  opt.word_start = word_start;
  auto loader = std::make_unique<Loader>(data, config.data, config.masking, opt);
  if (loader->batches_per_epoch() == 0) {
    // A small validation split that cannot fill one batch: evaluate it in one smaller batch.
    opt.batch_size = static_cast<int>(loader->examples_in_epoch(0) / opt.world_size);
    if (opt.batch_size > 0)
      loader = std::make_unique<Loader>(data, config.data, config.masking, opt);
  }
  int64_t n = opt.batch_size > 0 ? loader->batches_per_epoch() : 0;
  if (max_batches > 0) n = std::min(n, max_batches);
  bool was_training = model.is_training();
  model.eval();
  torch::NoGradGuard no_grad;
  AutocastGuard autocast(device, config.train.precision);
  // Label counts at all selected positions, then at those whose input is [MASK].
  const auto vocab = static_cast<size_t>(model.shape().vocab_size);
  std::vector<double> label_counts(2 * vocab, 0.0);
  double loss_sum = 0, correct = 0, count = 0, nsp_correct = 0, nsp_count = 0, examples = 0;
  double mask_correct = 0, mask_count = 0;
  for (int64_t i = 0; i < n; ++i) {
    Batch b = loader->next();
    auto t = to_tensors(b, device);
    auto out = model.forward(t.input_ids, t.token_type_ids, t.attention_mask, t.positions);
    auto parts = pretraining_loss(out.mlm_logits, t.mlm_labels, out.nsp_logits, t.nsp_labels, 1.0);
    loss_sum += parts.mlm_loss.item<double>() * parts.mlm_count;
    correct += parts.mlm_correct, count += parts.mlm_count;
    nsp_correct += parts.nsp_correct, nsp_count += parts.nsp_count;
    examples += b.batch_size;
    // Predictions in the order of the selected positions (row-major, as to_tensors gathers them).
    const torch::Tensor pred = out.mlm_logits.argmax(-1).to(torch::kCPU, torch::kInt64);
    const int64_t* p = pred.data_ptr<int64_t>();
    for (size_t i = 0, j = 0; i < b.mlm_labels.size(); ++i) {
      const int32_t l = b.mlm_labels[i];
      if (l == kIgnoreLabel) continue;
      label_counts[static_cast<size_t>(l)] += 1;
      if (b.input_ids[i] == kMaskId) {
        label_counts[vocab + static_cast<size_t>(l)] += 1;
        mask_count += 1;
        mask_correct += p[j] == l;
      }
      ++j;
    }
  }
  if (dist) {
    auto r = dist->all_reduce_sum(
        {loss_sum, correct, count, nsp_correct, nsp_count, examples, mask_correct, mask_count});
    loss_sum = r[0], correct = r[1], count = r[2], nsp_correct = r[3], nsp_count = r[4];
    examples = r[5], mask_correct = r[6], mask_count = r[7];
    auto t = torch::tensor(label_counts, torch::kFloat64);
    std::vector<torch::Tensor> v{t};
    dist->all_reduce_sum(v);
    std::copy(t.data_ptr<double>(), t.data_ptr<double>() + t.numel(), label_counts.begin());
  }
  if (was_training) model.train();
  EvalMetrics m;
  m.batches = n;
  m.examples = static_cast<int64_t>(examples);
  m.masked_tokens = static_cast<int64_t>(count);
  if (count == 0)
    throw RuntimeError("the validation data yields no masked example to evaluate",
                       "use more validation text (data.valid_fraction or data.valid_files)");
  m.mlm_loss = loss_sum / count;
  m.mlm_accuracy = correct / count;
  m.majority_accuracy =
      *std::max_element(label_counts.begin(), label_counts.begin() + vocab) / count;
  m.mask_tokens = static_cast<int64_t>(mask_count);
  if (mask_count > 0) {
    m.mask_accuracy = mask_correct / mask_count;
    m.mask_majority_accuracy =
        *std::max_element(label_counts.begin() + vocab, label_counts.end()) / mask_count;
  }
  m.perplexity = std::exp(m.mlm_loss);
  m.nsp_accuracy = nsp_count > 0 ? nsp_correct / nsp_count : 0.0;
  m.nsp_pairs = static_cast<int64_t>(nsp_count);
  return m;
}

EvalMetrics evaluate_checkpoint(const std::string& checkpoint, const std::string& data,
                                int64_t max_batches) {
  Pretrained p = load_pretrained(checkpoint);
  Config config = p.config;
  configure_threads(config.train.threads);
  torch::Device device = select_device(config.train.device);
  p.model->to(device);
  std::string tmp;
  Dataset dataset = [&] {
    if (data.empty()) {
      std::string dir = data_dir(config.run_dir);
      if (!fs::exists(manifest_path(config.run_dir)))
        throw UsageError("no --data given and " + manifest_path(config.run_dir) +
                         " does not exist; pass --data FILE");
      return Dataset::open(dir, "valid", p.tokenizer_checksum);
    }
    if (!fs::exists(data)) throw InputError(data, 0, "no such file or directory (from --data)");
    if (fs::is_dir(data) && fs::exists(fs::join(data, "manifest.json")))
      return Dataset::open(data, "valid", p.tokenizer_checksum);
    if (data.size() > 4 && data.substr(data.size() - 4) == ".bin")
      return Dataset::from_shards({data}, p.tokenizer_checksum);
    // A corpus file: encode it with the checkpoint's tokenizer into a temporary run directory.
    tmp = fs::temp_sibling(fs::join("/tmp", "bertforge-eval"));
    Config c = config;
    c.run_dir = tmp;
    c.data.train_files = {data};
    c.data.valid_files = {};
    c.data.valid_fraction = 0;
    if (data.size() > 6 && data.substr(data.size() - 6) == ".jsonl") c.data.format = "jsonl";
    run_prepare(c, p.tokenizer_model);
    return Dataset::open(data_dir(tmp), "train", p.tokenizer_checksum);
  }();
  EvalMetrics m;
  try {
    Tokenizer tok = Tokenizer::load(p.tokenizer_model);
    m = evaluate_model(*p.model, dataset, config, tok.word_start_table(), device, max_batches);
    m.step = p.step;
  } catch (...) {
    if (!tmp.empty()) fs::remove_all(tmp);
    throw;
  }
  if (!tmp.empty()) fs::remove_all(tmp);
  return m;
}

}  // namespace bertforge
