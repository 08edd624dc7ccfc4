#include "app/finetune.h"

#include <algorithm>
#include <cmath>
#include <iostream>
#include <map>
#include <optional>

#include "checkpoint/pretrained.h"
#include "console/logging.h"
#include "errors/errors.h"
#include "finetune/finetuned.h"
#include "finetune/loop.h"
#include "fs/fs.h"
#include "optim/optimizer.h"
#include "run/run_layout.h"
#include "run/run_lock.h"
#include "runtime/random.h"
#include "runtime/runtime.h"
#include "tokenizer/tokenizer.h"
#include "train/train_state.h"

namespace bertforge {
using json = nlohmann::json;

namespace {
constexpr uint64_t kHeadInitStream = 33;

TrainConfig optimizer_settings(const FinetuneConfig& f) {
  TrainConfig t;
  t.optimizer = "adamw";
  t.lr = f.lr;
  t.weight_decay = f.weight_decay;
  t.beta1 = f.beta1;
  t.beta2 = f.beta2;
  t.eps = f.eps;
  return t;
}

// The encoder a fresh run starts from: `init_from`'s (its tokenizer too), or fresh weights of
// model.* with tokenizer.model.
ModelPtr starting_encoder(Config& c, std::string* tokenizer_file) {
  const std::string& from = c.finetune.init_from;
  if (!from.empty()) {
    if (!find_finetuned(from).empty())
      throw UsageError(from +
                       " is a fine-tuned model: start from the encoder it was fine-tuned "
                       "from (its finetune.init_from)");
    Pretrained p = load_pretrained(from);
    *tokenizer_file = p.tokenizer_model;
    log::info("fine-tuning {} ({} model, {} layers, hidden {})", p.dir,
              p.model->shape().architecture, p.model->shape().layers, p.model->shape().hidden);
    return p.model;
  }
  if (c.tokenizer.model.empty())
    throw ConfigError("finetune.init_from",
                      "no model to start from: set finetune.init_from (or --init-from)",
                      "or set tokenizer.model (and model.*) to fine-tune fresh weights");
  *tokenizer_file = c.tokenizer.model;
  const Tokenizer tok = Tokenizer::load(c.tokenizer.model);
  ModelPtr m = make_model(ModelShape(c.model, tok.vocab_size()));
  m->init_weights(at::make_generator<at::CPUGeneratorImpl>(mix_seed(c.seed, {kHeadInitStream, 1})));
  log::info("fine-tuning fresh weights ({} model, {} layers, hidden {})", c.model.architecture,
            c.model.layers, c.model.hidden);
  return m;
}

FinetuneData read_data(const Config& c, const Tokenizer& tok, const LabelSet* known, int max_len) {
  const FinetuneConfig& f = c.finetune;
  if (f.train_file.empty())
    throw ConfigError("finetune.train_file", "missing", "set it to the labelled training data");
  const LabelledFormat format = LabelledFormat::from(f);
  FinetuneData d;
  const std::vector<LabelledExample> train = read_labelled(f.train_file, format);
  d.labels = known ? *known : LabelSet::from_examples(train, f.task);
  if (f.task == "classification" && d.labels.size() < 2)
    throw InputError(f.train_file, 0, "one label only ('" + d.labels.name(0) + "')",
                     "classification needs at least two labels");
  d.labels.check_known(train, f.task, f.train_file);
  if (!f.valid_file.empty()) {
    d.valid_raw = read_labelled(f.valid_file, format);
    d.labels.check_known(d.valid_raw, f.task, f.valid_file);
  } else {
    log::warn("finetune.valid_file is empty: no validation metrics and no best/ model");
  }
  EncodeOptions o{f.task, max_len, f.subword_labels == "all", true, c.model.architecture};
  for (const auto& ex : train) d.train.push_back(encode_example(tok, ex, d.labels, o));
  for (const auto& ex : d.valid_raw) d.valid.push_back(encode_example(tok, ex, d.labels, o));
  return d;
}

// The checkpoint a --resume names, or nullopt to start fresh.
std::optional<CheckpointInfo> resume_point(const Config& c, const FinetuneOptions& o) {
  if (o.resume.empty()) {
    if (!o.overwrite)
      if (auto existing = newest_checkpoint(c.run_dir))
        throw UsageError(c.run_dir + " already holds checkpoints (newest: " + existing->dir +
                         "); pass --resume auto to continue that run, or --overwrite to start "
                         "afresh and delete them");
    return std::nullopt;
  }
  if (o.resume != "auto") return find_checkpoint(o.resume);
  auto n = newest_checkpoint(c.run_dir);
  if (!n) log::info("resume auto: no complete checkpoint in {}, starting fresh", c.run_dir);
  return n;
}

// A resumed run must be the same run: its finetune keys and seed.
void check_same_run(const Config& c, const CheckpointInfo& ck) {
  const json now = config_to_json(c)["finetune"], then = config_to_json(ck.config)["finetune"];
  for (auto it = now.begin(); it != now.end(); ++it)
    if (it.key() != "init_from" && then.value(it.key(), json()) != it.value())
      throw ConfigError("finetune." + it.key(),
                        "differs from the run being resumed (" +
                            then.value(it.key(), json()).dump() + " there, " + it.value().dump() +
                            " here)",
                        "resume with the same config, or start a new run_dir");
  if (ck.config.seed != c.seed) throw ConfigError("seed", "differs from the run being resumed");
}
}  // namespace

json run_finetune(const Config& config, const FinetuneOptions& o) {
  Config c = config;
  if (!o.init_from.empty()) c.finetune.init_from = o.init_from;
  configure_threads(c.train.threads);
  FinetuneSetup s;
  s.device = select_device(c.train.device);
  const std::optional<CheckpointInfo> resume = resume_point(c, o);
  ModelPtr encoder;
  std::string tokenizer_file;
  std::optional<LabelSet> known;
  if (resume) {
    check_same_run(c, *resume);
    c = resume->config;  // the run's own settings, but where it is now and how to run it
    c.run_dir = config.run_dir;
    c.train.threads = config.train.threads;
    c.train.device = config.train.device;
    encoder = make_model(resume->shape);
    tokenizer_file = fs::join(resume->dir, ckpt_file::kTokenizer);
    std::string task;
    known = labels_from_json(json::parse(fs::read_file(fs::join(resume->dir, kLabelsFile))),
                             fs::join(resume->dir, kLabelsFile), &task);
  } else {
    encoder = starting_encoder(c, &tokenizer_file);
  }
  const Tokenizer tok = Tokenizer::load(tokenizer_file);
  c.model = encoder->shape();
  c.model.preset = config.model.preset;
  c.data.max_seq_len = std::min(c.data.max_seq_len, c.model.max_position);
  if (c.model.architecture != "bert") c.data.nsp = false;
  validate(c);
  const int max_len = std::min<int>(c.finetune.max_seq_len, static_cast<int>(c.model.max_position));
  FinetuneData data = read_data(c, tok, known ? &*known : nullptr, max_len);
  s.config = c;
  s.pad = tok.specials().pad;
  s.model = ClassifierModel(encoder, head_spec(c.finetune, data.labels, c.model.architecture));
  s.extra = {{kLabelsFile, labels_to_json(c.finetune.task, data.labels).dump(2) + "\n"}};
  if (resume) {
    load_weights(resume->dir, *s.model);
    s.state = TrainState::of(*resume);
    s.resumed = true;
  } else {
    s.model->init_head(
        at::make_generator<at::CPUGeneratorImpl>(mix_seed(c.seed, {kHeadInitStream})));
  }
  s.model->to(s.device);
  s.optimizer = make_optimizer(*s.model, optimizer_settings(c.finetune));
  if (resume) load_optimizer(resume->dir, *s.optimizer);
  // Every check has passed: ready the run directory, keep the tokenizer with the run.
  prepare_run_dir(c.run_dir, resume ? resume->step : -1, o.overwrite);
  const std::string tok_copy = tokenizer_file_path(c.run_dir, tok.wordpiece() != nullptr);
  if (!resume) fs::make_dirs(tokenizer_dir(c.run_dir));
  if (!resume) fs::write_file_atomic(tok_copy, tok.model_bytes());
  s.tokenizer_model = resume ? tokenizer_file : tok_copy;
  fs::write_file_atomic(run_config_path(c.run_dir), config_to_string(c));
  log::info("{}: {} training and {} validation examples, {} labels, {} epochs of {} steps",
            c.finetune.task, data.train.size(), data.valid.size(), data.labels.size(),
            c.finetune.epochs,
            (data.train.size() + c.finetune.batch_size - 1) / c.finetune.batch_size);
  const FinetuneResult r = finetune_loop(s, data);
  return {{"steps", r.steps},    {"metric", r.metric},       {"best", r.best},
          {"last", r.last},      {"final_dir", r.final_dir}, {"best_dir", r.best_dir},
          {"run_dir", c.run_dir}};
}

json run_finetune_seeds(const Config& config, const FinetuneOptions& o) {
  json runs = json::array();
  std::map<std::string, std::vector<double>> values;
  for (int i = 0; i < o.seeds; ++i) {
    Config c = config;
    c.seed = config.seed + static_cast<uint64_t>(i);
    c.run_dir = fs::join(config.run_dir, "seed-" + std::to_string(c.seed));
    log::info("seed {} of {}: {}", i + 1, o.seeds, c.run_dir);
    json r = run_finetune(c, o);
    r["seed"] = c.seed;
    if (r["best"].is_object())
      for (auto& [k, v] : r["best"].items())
        if (v.is_number() && k != "step" && k != "epoch" && k != "examples")
          values[k].push_back(v.get<double>());
    runs.push_back(r);
  }
  json summary = json::object();
  for (const auto& [k, v] : values) {
    double mean = 0, var = 0;
    for (double x : v) mean += x / static_cast<double>(v.size());
    for (double x : v) var += (x - mean) * (x - mean);
    const double sd = v.size() > 1 ? std::sqrt(var / static_cast<double>(v.size() - 1)) : 0.0;
    summary[k] = {{"mean", mean},
                  {"std", sd},
                  {"min", *std::min_element(v.begin(), v.end())},
                  {"max", *std::max_element(v.begin(), v.end())},
                  {"n", v.size()}};
  }
  json out = {{"seeds", o.seeds},
              {"metric", runs.empty() ? json() : runs[0]["metric"]},
              {"summary", summary},
              {"runs", runs}};
  fs::write_file_atomic(fs::join(config.run_dir, "seeds.json"), out.dump(2) + "\n");
  return out;
}

namespace {
void print_row(const char* what, const json& row, const std::string& metric) {
  if (!row.is_object()) return;
  std::cout << what << " (epoch " << row.value("epoch", 0) << "):";
  for (const char* k : {"accuracy", "macro_f1", "mcc", "pearson", "spearman", "f1", "loss"})
    if (row.contains(k))
      std::cout << " " << k << (k == metric ? "*" : "") << " " << row[k].get<double>();
  std::cout << "\n";
}

void print_seeds(const json& s) {
  std::cout << "seeds " << s["seeds"] << " (mean +- sample std [min, max] of the best epochs):\n";
  for (auto& [k, v] : s["summary"].items())
    std::cout << "  " << k << " " << v["mean"].get<double>() << " +- " << v["std"].get<double>()
              << " [" << v["min"].get<double>() << ", " << v["max"].get<double>() << "]\n";
}
}  // namespace

int finetune_command(const Config& c, const FinetuneOptions& options) {
  const auto lock = RunLock::acquire(c.run_dir);
  if (options.seeds > 1) {
    print_seeds(run_finetune_seeds(c, options));
    std::cout << "summary:       " << c.run_dir << "/seeds.json\n";
    return 0;
  }
  const json r = run_finetune(c, options);
  const std::string metric = r["metric"];
  print_row("best", r["best"], metric);
  print_row("last", r["last"], metric);
  std::cout << "final model:   " << r["final_dir"].get<std::string>() << "\n";
  if (!r["best_dir"].get<std::string>().empty())
    std::cout << "best model:    " << r["best_dir"].get<std::string>() << " (highest " << metric
              << ")\n";
  return 0;
}

}  // namespace bertforge
