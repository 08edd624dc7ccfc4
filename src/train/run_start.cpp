#include "train/run_start.h"

#include <filesystem>

#include "config/config.h"
#include "console/logging.h"
#include "errors/errors.h"
#include "fs/fs.h"
#include "runtime/random.h"
#include "tokenizer/vocab_growth.h"
#include "train/init_from.h"

namespace bertforge {
using json = nlohmann::json;

namespace {
// Purposes for derived random streams.
enum : uint64_t { kInitStream = 11 };

// The checkpoint options.resume names, or nullopt for a fresh start.
std::optional<CheckpointInfo> find_resume(const std::string& run_dir, const TrainOptions& options) {
  if (options.resume.empty()) return std::nullopt;
  if (options.resume_checkpoint) return *options.resume_checkpoint;
  if (options.resume != "auto") return find_checkpoint(options.resume);
  auto newest = newest_checkpoint(run_dir);
  if (!newest)
    log::info("resume auto: no complete checkpoint in {}, starting fresh",
              checkpoints_dir(run_dir));
  return newest;
}
}  // namespace

RunStart plan_run_start(const std::string& run_dir, const TrainOptions& options, bool main_rank) {
  RunStart s;
  s.resume = find_resume(run_dir, options);
  if (!s.resume && main_rank && !options.overwrite && options.resume != "auto") {
    if (auto existing = newest_checkpoint(run_dir))
      throw UsageError(run_dir + " already holds checkpoints (newest: " + existing->dir +
                       "); pass --resume auto to continue that run, or --overwrite to start "
                       "afresh and delete them");
  }
  if (s.resume) {
    s.init_record = s.resume->state.value("init_from", json());
  } else if (!options.init_from.empty()) {
    s.init = options.init_checkpoint ? load_pretrained(*options.init_checkpoint)
                                     : load_pretrained(options.init_from);
    s.init_record = {{"path", std::filesystem::absolute(s.init->dir).lexically_normal().string()},
                     {"checksum", s.init->weights_checksum},
                     {"step", s.init->step}};
  }
  return s;
}

void fit_resume_to_world(Config& cfg, RunStart& start, int world_size) {
  if (!start.resume) return;
  const json& st = start.resume->state;
  const int64_t w0 = st.value("world_size", 0);
  const TrainConfig& t0 = start.resume->config.train;
  TrainConfig& t = cfg.train;
  if (w0 == 0 || (w0 == world_size && t0.batch_size == t.batch_size)) return;
  const int64_t micro0 = t0.batch_size * w0, micro = int64_t{t.batch_size} * world_size;
  const int64_t global0 = micro0 * t0.grad_accum;
  const std::string was =
      fmt::format("{} x {} accum x {} ranks = {}", t0.batch_size, t0.grad_accum, w0, global0);
  if (micro * t.grad_accum != global0) {
    if (cfg.given.count("train.grad_accum") || global0 % micro != 0)
      throw ConfigError(
          "train.grad_accum",
          fmt::format("the checkpoint's global batch is {}; batch_size {} on {} "
                      "ranks with grad_accum {} is {}",
                      was, t.batch_size, world_size, t.grad_accum, micro * t.grad_accum),
          "set train.batch_size and train.grad_accum so that batch_size x "
          "grad_accum x ranks = " +
              std::to_string(global0));
    log::info(
        "resuming on {} ranks: train.grad_accum {} -> {} keeps the checkpoint's global "
        "batch ({})",
        world_size, t.grad_accum, global0 / micro, was);
    t.grad_accum = static_cast<int>(global0 / micro);
  }
  json& loader = start.resume->state["loader"];
  const int64_t seen = loader.at("step").get<int64_t>() * micro0;  // examples this epoch
  if (seen % micro != 0)
    throw ConfigError("train.batch_size",
                      fmt::format("the checkpoint stands {} examples into its epoch, not on a "
                                  "micro-batch of {} x {} ranks",
                                  seen, t.batch_size, world_size),
                      "resume on " + std::to_string(w0) + " ranks, or from another checkpoint");
  loader["step"] = seen / micro;
  log::info(
      "resuming a {}-rank checkpoint on {} ranks: the data continues at example {} of its "
      "epoch (epochs end where {} x {} ranks no longer fills a micro-batch)",
      w0, world_size, seen, t.batch_size, world_size);
}

RunInputs open_run_inputs(const Config& cfg, const RunStart& start, bool main_rank) {
  const std::string& run_dir = cfg.run_dir;
  const std::string tok_path = tokenizer_model_path(run_dir);
  if (!fs::exists(tok_path))
    throw InputError(
        tok_path, 0, "no tokenizer in the run directory",
        "run `bertforge tokenizer` and `bertforge prepare` first, or `bertforge pipeline`");
  Tokenizer tok = Tokenizer::load(tok_path);
  std::optional<Tokenizer> init_tok;
  if (start.init) init_tok.emplace(Tokenizer::load(start.init->tokenizer_model));
  if (start.init && start.init->tokenizer_checksum != tok.checksum() &&
      !is_grown_from(*init_tok, tok))
    throw ConfigError("tokenizer",
                      "the run's tokenizer (" + tok_path +
                          ") is not the tokenizer of --init-from " + start.init->dir,
                      "prepare the domain corpus with the model's tokenizer: `bertforge pipeline "
                      "--init-from " +
                          start.init->dir + "` does that");
  if (!fs::exists(manifest_path(run_dir)))
    throw InputError(manifest_path(run_dir), 0, "no prepared data",
                     "run `bertforge prepare --config ...` first");
  Dataset train = Dataset::open(data_dir(run_dir), "train", tok.checksum());
  RunInputs in{std::move(tok), std::move(init_tok), std::move(train)};
  try {
    Dataset v = Dataset::open(data_dir(run_dir), "valid", in.tok.checksum());
    if (v.num_docs() > 0) in.valid.emplace(std::move(v));
  } catch (const InputError& e) {
    log::warn("no validation data: {}", e.what());
  }
  for (const ValidSetConfig& set : cfg.data.valid_sets) {
    const std::string dir = valid_set_dir(run_dir, set.name);
    if (!fs::exists(fs::join(dir, "manifest.json")))
      throw InputError(dir, 0,
                       "validation set '" + set.name + "' (data.valid_sets) is not prepared",
                       "run `bertforge prepare --config ...` (or `bertforge pipeline`)");
    in.sets.push_back({set.name, Dataset::open(dir, "valid", in.tok.checksum())});
  }
  // Count baselines for the evaluations, from the training shards (cached beside them).
  if (in.valid || !in.sets.empty())
    in.counts = ContextCounts::load_or_build(data_dir(run_dir), main_rank);
  if (cfg.train.early_stopping > 0 && !in.valid && in.sets.empty())
    throw ConfigError(
        "train.early_stopping",
        "needs validation data, and " + data_dir(run_dir) + " has no validation split",
        "set data.valid_fraction > 0 or data.valid_files, or early_stopping 0");
  return in;
}

std::string resolve_eval_set(const Config& cfg, const RunInputs& in) {
  for (const char* key : {"train.eval_set", "train.guard_set"}) {
    const std::string& v =
        std::string(key) == "train.eval_set" ? cfg.train.eval_set : cfg.train.guard_set;
    if (v == kDefaultValidSet && !in.valid)
      throw ConfigError(
          key, "names the unnamed validation split, and " + data_dir(cfg.run_dir) + " has none",
          "set data.valid_files or data.valid_fraction > 0, or name one of "
          "data.valid_sets");
  }
  if (!cfg.train.eval_set.empty()) return cfg.train.eval_set;
  if (in.valid) return kDefaultValidSet;
  return in.sets.empty() ? "" : in.sets.front().name;
}

void adopt_init_shape(Config& cfg, const Pretrained& init, const std::string& init_from) {
  const ModelConfig& m = init.config.model;
  json asked = config_to_json(cfg)["model"];
  copy_model_shape(m, cfg.model);
  validate(cfg);
  json got = config_to_json(cfg)["model"];
  std::string changed;
  for (const std::string& k : model_shape_keys()) {
    const bool given = cfg.given.count("model." + k) || cfg.given.count("model.preset");
    if (asked[k] != got[k] && given)
      changed += fmt::format("{}model.{} {} -> {}", changed.empty() ? "" : ", ", k, asked[k].dump(),
                             got[k].dump());
  }
  if (!changed.empty()) log::warn("--init-from {} sets the model's shape: {}", init_from, changed);
}

ModelPtr build_model(const Config& cfg, RunStart& start, const RunInputs& in,
                     bool* nsp_head_trained) {
  const ModelShape shape = ModelShape(cfg.model, in.tok.vocab_size(), in.tok.specials().pad);
  if (start.resume) {
    std::string diff = start.resume->shape.difference(shape);
    if (!diff.empty())
      throw ConfigError("model",
                        "does not match the checkpoint " + start.resume->dir + " (" + diff + ")",
                        "resume with the config the run was started with");
    if (start.resume->tokenizer_checksum != in.tok.checksum())
      throw ConfigError("tokenizer", "the run's tokenizer differs from the one of checkpoint " +
                                         start.resume->dir);
  }
  ModelPtr model = make_model(shape);
  model->init_weights(at::make_generator<at::CPUGeneratorImpl>(mix_seed(cfg.seed, {kInitStream})));
  *nsp_head_trained = cfg.data.nsp;
  if (start.init) {
    const Pretrained& init = *start.init;
    const bool fresh_nsp = cfg.data.nsp && !init.has_nsp_head;
    *nsp_head_trained = cfg.data.nsp || init.has_nsp_head;
    const int added = copy_pretrained_weights(*init.model, *model, fresh_nsp, *in.init_tok, in.tok);
    if (added > 0)
      log::info(
          "init-from: {} added token(s) start as the mean of the embeddings of their old "
          "pieces",
          added);
    log::info("init-from {} (step {}){}", init.dir, init.step,
              fresh_nsp ? "; its NSP head was never trained: a fresh NSP head is initialised" : "");
    start.init.reset();
  }
  if (start.resume) load_weights(start.resume->dir, model);
  return model;
}

}  // namespace bertforge
