#include "train/evaluator.h"

#include <spdlog/fmt/fmt.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <nlohmann/json.hpp>

#include "checkpoint/pretrained.h"
#include "config/config.h"
#include "console/logging.h"
#include "data/causal.h"
#include "data/context_counts.h"
#include "data/dataset.h"
#include "data/loader.h"
#include "data/prepare.h"
#include "distributed/distributed.h"
#include "errors/errors.h"
#include "fs/fs.h"
#include "model/bert.h"
#include "run/staged_dir.h"
#include "runtime/runtime.h"
#include "tokenizer/tokenizer.h"
#include "train/batch_tensors.h"
#include "train/loss.h"
#include "train/objective.h"

namespace bertforge {

using json = nlohmann::json;

namespace {

// The count baselines' hits at one [MASK] position `i` of a row-major batch: the neighbours are
// the inputs the model sees, [CLS]/[SEP] are the counts' boundary and a [MASK] is unknown.
struct BaselineHits {
  double unigram = 0, left = 0, bidirectional = 0;
  void add(const ContextCounts& cc, const SpecialIds& sp, const Batch& b, size_t i, int32_t label) {
    auto neighbour = [&](size_t j) {
      const int32_t id = b.input_ids[j];
      if (id == sp.cls || id == sp.sep) return cc.boundary();
      return id == sp.mask || id == sp.pad ? ContextCounts::kUnknown : id;
    };
    const auto t = static_cast<size_t>(b.seq_len);
    const int32_t prev = i % t > 0 ? neighbour(i - 1) : ContextCounts::kUnknown;
    const int32_t next = i % t + 1 < t ? neighbour(i + 1) : ContextCounts::kUnknown;
    unigram += cc.predict_unigram() == label;
    left += cc.predict_left(prev) == label;
    bidirectional += cc.predict_bidirectional(prev, next) == label;
  }
  // A causal-LM target at `i` (the token after i): predicted from the token at i alone.
  void add_next(const ContextCounts& cc, const SpecialIds& sp, const Batch& b, size_t i,
                int32_t label) {
    const int32_t id = b.input_ids[i];
    const int32_t prev = id == sp.cls || id == sp.sep ? cc.boundary() : id;
    unigram += cc.predict_unigram() == label;
    left += cc.predict_left(prev) == label;
  }
};

}  // namespace

namespace {
std::string clm_summary(const EvalMetrics& m) {
  std::string s = fmt::format("eval step {}: clm_loss {:.4f} next_token_accuracy {:.4f}", m.step,
                              m.mlm_loss, m.mlm_accuracy);
  if (m.has_baselines) {
    auto vs = [&](const char* name, double b) {
      return fmt::format(" {} {} {:.4f}", m.mlm_accuracy > b ? "beats" : "does not beat", name, b);
    };
    s += "; the model" + vs("unigram", m.baseline_unigram) + "," + vs("bigram", m.baseline_left) +
         ";";
  }
  return s + fmt::format(" perplexity {:.2f}", m.perplexity);
}
}  // namespace

std::string eval_summary(const EvalMetrics& m, bool nsp) {
  if (m.objective == "clm") return clm_summary(m);
  std::string s =
      fmt::format("eval step {}: mlm_loss {:.4f} mlm_accuracy {:.4f} (at [MASK] {:.4f})", m.step,
                  m.mlm_loss, m.mlm_accuracy, m.mask_accuracy);
  if (m.has_baselines) {
    auto vs = [&](const char* name, double b) {
      return fmt::format(" {} {} {:.4f}", m.mask_accuracy > b ? "beats" : "does not beat", name, b);
    };
    s += "; at [MASK] the model" + vs("unigram", m.baseline_unigram) + "," +
         vs("left", m.baseline_left) + "," + vs("bidirectional", m.baseline_bidirectional) + ";";
  }
  s += fmt::format(" perplexity {:.2f}", m.perplexity);
  if (nsp) s += fmt::format(" nsp_accuracy {:.4f}", m.nsp_accuracy);
  return s;
}

nlohmann::json EvalMetrics::to_json() const {
  if (objective == "clm")
    return {{"step", step},
            {"objective", objective},
            {"clm_loss", mlm_loss},
            {"next_token_accuracy", mlm_accuracy},
            {"perplexity", perplexity},
            {"majority_accuracy", majority_accuracy},
            {"baseline_unigram", has_baselines ? json(baseline_unigram) : json()},
            {"baseline_bigram", has_baselines ? json(baseline_left) : json()},
            {"examples", examples},
            {"predicted_tokens", masked_tokens}};
  return {{"step", step},
          {"objective", objective},
          {"mlm_loss", mlm_loss},
          {"mlm_accuracy", mlm_accuracy},
          {"perplexity", perplexity},
          {"nsp_accuracy", nsp_accuracy},
          {"majority_accuracy", majority_accuracy},
          {"mask_accuracy", mask_accuracy},
          {"mask_majority_accuracy", mask_majority_accuracy},
          {"mask_tokens", mask_tokens},
          {"baseline_unigram", has_baselines ? json(baseline_unigram) : json()},
          {"baseline_left", has_baselines ? json(baseline_left) : json()},
          {"baseline_bidirectional", has_baselines ? json(baseline_bidirectional) : json()},
          {"examples", examples},
          {"masked_tokens", masked_tokens},
          {"nsp_pairs", nsp_pairs}};
}

namespace {
// The metrics from the evaluation's sums (over batches and ranks). label_counts holds the label
// counts at all selected positions, then at those whose input is [MASK].
EvalMetrics to_metrics(int64_t n, double examples, double loss_sum, double correct, double count,
                       double nsp_correct, double nsp_count, double mask_correct, double mask_count,
                       const std::vector<double>& label_counts, const BaselineHits& hits,
                       bool has_counts) {
  const size_t vocab = label_counts.size() / 2;
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
    m.has_baselines = has_counts;
    m.baseline_unigram = hits.unigram / mask_count;
    m.baseline_left = hits.left / mask_count;
    m.baseline_bidirectional = hits.bidirectional / mask_count;
  }
  m.perplexity = std::exp(m.mlm_loss);
  m.nsp_accuracy = nsp_count > 0 ? nsp_correct / nsp_count : 0.0;
  m.nsp_pairs = static_cast<int64_t>(nsp_count);
  return m;
}
}  // namespace

namespace {
// The evaluation loader: fixed masks, no shuffling; a split too small for one batch is evaluated in
// one smaller batch (opt->batch_size 0 when it holds no example for this rank).
std::unique_ptr<Loader> eval_loader(const PreTrainingModel& model, const Dataset& data,
                                    const Config& config, const Tokenizer& tok, Distributed* dist,
                                    LoaderOptions* out_opt) {
  LoaderOptions& opt = *out_opt;
  opt.seed = config.seed + 1;  // fixed masks, independent of the training stream
  opt.rank = dist ? dist->rank() : 0;
  opt.world_size = dist ? dist->world_size() : 1;
  opt.batch_size = config.train.batch_size;
  opt.shuffle = false;
  opt.vocab_size = static_cast<int>(model.shape().vocab_size);
  opt.word_start = tok.word_start_table();
  opt.specials = tok.specials();
  opt.architecture = model.shape().architecture;
  auto loader = std::make_unique<Loader>(data, config.data, config.masking, opt);
  if (loader->batches_per_epoch() == 0) {
    // A small validation split that cannot fill one batch: evaluate it in one smaller batch.
    opt.batch_size = static_cast<int>(loader->examples_in_epoch(0) / opt.world_size);
    if (opt.batch_size > 0)
      loader = std::make_unique<Loader>(data, config.data, config.masking, opt);
  }
  return loader;
}
}  // namespace

EvalMetrics evaluate_model(PreTrainingModel& model, const Dataset& data, const Config& config,
                           const Tokenizer& tok, const c10::Device& device, int64_t max_batches,
                           Distributed* dist, const ContextCounts* counts, bool causal) {
  LoaderOptions opt;
  auto loader = eval_loader(model, data, config, tok, dist, &opt);
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
  BaselineHits hits;
  for (int64_t i = 0; i < n; ++i) {
    Batch b = loader->next();
    if (causal) make_causal(&b);
    auto t = to_tensors(b, device);
    t.packed.causal = causal;
    auto out =
        model.forward(t.input_ids, t.token_type_ids, t.attention_mask, t.positions, t.packed);
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
      if (causal || b.input_ids[i] == opt.specials.mask) {  // causal: every target
        label_counts[vocab + static_cast<size_t>(l)] += 1;
        mask_count += 1;
        mask_correct += p[j] == l;
        if (counts && causal) hits.add_next(*counts, opt.specials, b, i, l);
        if (counts && !causal) hits.add(*counts, opt.specials, b, i, l);
      }
      ++j;
    }
  }
  if (dist) {
    auto r = dist->all_reduce_sum({loss_sum, correct, count, nsp_correct, nsp_count, examples,
                                   mask_correct, mask_count, hits.unigram, hits.left,
                                   hits.bidirectional});
    loss_sum = r[0], correct = r[1], count = r[2], nsp_correct = r[3], nsp_count = r[4];
    examples = r[5], mask_correct = r[6], mask_count = r[7];
    hits = {r[8], r[9], r[10]};
    auto t = torch::tensor(label_counts, torch::kFloat64);
    std::vector<torch::Tensor> v{t};
    dist->all_reduce_sum(v);
    std::copy(t.data_ptr<double>(), t.data_ptr<double>() + t.numel(), label_counts.begin());
  }
  if (was_training) model.train();
  EvalMetrics m = to_metrics(n, examples, loss_sum, correct, count, nsp_correct, nsp_count,
                             mask_correct, mask_count, label_counts, hits, counts != nullptr);
  m.objective = causal ? "clm" : "mlm";
  return m;
}

namespace {

// The counts for the baselines of `bertforge evaluate`: the train split of the checkpoint's run,
// else of a prepared --data directory; null (no baselines) when neither is there.
std::unique_ptr<ContextCounts> baseline_counts(const std::string& run_dir, const std::string& data,
                                               const Pretrained& p) {
  std::vector<std::string> dirs{data_dir(run_dir)};
  if (!data.empty() && fs::is_dir(data)) dirs.push_back(data);
  for (const std::string& dir : dirs) {
    if (!fs::exists(fs::join(dir, "manifest.json"))) continue;
    try {
      return std::make_unique<ContextCounts>(
          ContextCounts::load_or_build(dir, true, p.tokenizer_checksum));
    } catch (const Error& e) {
      log::warn("no count baselines from {}: {}", dir, e.what());
    }
  }
  log::info("no training shards of this model at hand: the count baselines are not reported");
  return nullptr;
}

}  // namespace

EvalMetrics evaluate_checkpoint(const std::string& checkpoint, const std::string& data,
                                int64_t max_batches, const std::vector<std::string>& overrides) {
  Pretrained p = load_pretrained(checkpoint);
  for (const auto& o : overrides)
    for (const char* fixed : {"model.", "tokenizer.", "run_dir"})
      if (o.rfind(fixed, 0) == 0)
        throw ConfigError(o.substr(0, o.find('=')), "is the checkpoint's and cannot be set here",
                          "evaluate takes masking.*, data.*, seed and train.batch_size");
  Config config = with_overrides(p.config, overrides);
  configure_threads(config.train.threads);
  torch::Device device = select_device(config.train.device);
  p.model->to(device);
  std::unique_ptr<StagedDir> scratch;  // never published: removed when evaluation ends
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
    scratch = std::make_unique<StagedDir>(fs::join("/tmp", "bertforge-eval"));
    PrepareJob job = PrepareJob::of(config, p.tokenizer_model);
    job.run_dir = scratch->path();
    job.data.train_files = {data};
    job.data.valid_files = {};
    job.data.sources = {};
    job.data.valid_fraction = 0;
    if (data.size() > 6 && data.substr(data.size() - 6) == ".jsonl") job.data.format = "jsonl";
    run_prepare(job);
    return Dataset::open(data_dir(job.run_dir), "train", p.tokenizer_checksum);
  }();
  Tokenizer tok = Tokenizer::load(p.tokenizer_model);
  std::unique_ptr<ContextCounts> counts = baseline_counts(config.run_dir, data, p);
  EvalMetrics m = evaluate_model(*p.model, dataset, config, tok, device, max_batches, nullptr,
                                 counts.get(), ends_causal(config.train.objective));
  m.step = p.step;
  return m;
}

}  // namespace bertforge
