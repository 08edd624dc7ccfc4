#include "app/pipeline.h"

#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>

#include "app/evaluate.h"
#include "app/run_access.h"
#include "checkpoint/checkpoint.h"
#include "checkpoint/pretrained.h"
#include "config/config.h"
#include "console/logging.h"
#include "data/dataset.h"
#include "data/prepare.h"
#include "errors/errors.h"
#include "fs/checksum.h"
#include "fs/fs.h"
#include "run/run_layout.h"
#include "tokenizer/tokenizer.h"
#include "tokenizer/tokenizer_stage.h"
#include "tokenizer/wordpiece.h"

namespace bertforge {
using json = nlohmann::json;

namespace {
// Makes the run use an existing tokenizer (`why` names where it comes from). Such a tokenizer is
// cased or uncased as it was trained: tokenizer.lowercase, which applies to training one, goes.
void use_tokenizer(Config& config, const std::string& model, const std::string& why) {
  if (config.tokenizer.lowercase)
    log::warn(
        "tokenizer.lowercase is ignored: {} keeps the tokenizer it was trained with (cased or "
        "uncased as it was)",
        why);
  config.tokenizer.lowercase = false;
  config.tokenizer.model = model;
}

// Warns, naming the key and both values, for each tokenizer key the config gave explicitly that the
// starting model's tokenizer `t` overrides. SentencePiece does not record lowercasing, nor (here)
// unigram vs BPE: for those only a WordPiece/SentencePiece mismatch is told.
void warn_tokenizer_overrides(const Config& c, const Tokenizer& t, const std::string& from) {
  const WordPiece* wp = t.wordpiece();
  auto warn = [&](const char* key, const std::string& asked, const std::string& has) {
    if (c.given.count(std::string("tokenizer.") + key) && asked != has)
      log::warn(
          "tokenizer.{} is {} in the config, but --init-from {} has {}: a continued model keeps "
          "its tokenizer, so {} it is",
          key, asked, from, has, has);
  };
  const bool asked_wp = c.tokenizer.type == "wordpiece";
  warn("type", c.tokenizer.type,
       wp ? "wordpiece" : (asked_wp ? "a SentencePiece model" : c.tokenizer.type));
  warn("vocab_size", std::to_string(c.tokenizer.vocab_size), std::to_string(t.vocab_size()));
  const std::string lower = c.tokenizer.lowercase ? "true" : "false";
  warn("lowercase", lower,
       wp ? (wp->options().lowercase ? "true" : "false")
          : (c.tokenizer.lowercase ? "a SentencePiece model (cased or not as trained)" : "false"));
}

// Points config.tokenizer.model at `init_from`'s tokenizer; ConfigError when the config names a
// different tokenizer model. A checkpoint it names is found and verified once, here, and handed to
// train in options->init_checkpoint.
void adopt_init_tokenizer(Config& config, TrainOptions* options) {
  const std::string& init_from = options->init_from;
  std::optional<CheckpointInfo> ckpt = pretrained_checkpoint(init_from);
  const std::string file =
      ckpt ? fs::join(ckpt->dir, ckpt_file::kTokenizer) : pretrained_tokenizer_file(init_from);
  if (ckpt) options->init_checkpoint = std::make_shared<const CheckpointInfo>(std::move(*ckpt));
  const Tokenizer init_tok = Tokenizer::load(file);
  if (!config.tokenizer.model.empty() &&
      Tokenizer::load(config.tokenizer.model).checksum() != init_tok.checksum())
    throw ConfigError("tokenizer.model",
                      "names " + config.tokenizer.model + ", but --init-from " + init_from +
                          " has another tokenizer",
                      "a continued model keeps its tokenizer: remove tokenizer.model");
  warn_tokenizer_overrides(config, init_tok, init_from);
  config.tokenizer.lowercase = false;  // told above where the config asked for it
  use_tokenizer(config, file, "--init-from " + init_from);
}

// True when final/ holds a finished model of exactly this config (same data, masking, training).
bool finished(const Config& c, const TrainOptions& options) {
  if (options.overwrite || (!options.resume.empty() && options.resume != "auto")) return false;
  const std::string dir = final_dir(c.run_dir);
  if (!fs::exists(fs::join(dir, ckpt_file::kDone))) return false;
  try {
    CheckpointInfo info = read_checkpoint(dir);
    if (!options.init_from.empty()) {
      // It must have started from that model (the recorded path is it, or inside it).
      if (info.state.value("init_from", json()).is_null()) return false;
      namespace stdfs = std::filesystem;
      const std::string want = stdfs::weakly_canonical(options.init_from).string();
      const std::string got =
          stdfs::weakly_canonical(
              info.state.value("init_from", json()).value("path", std::string()))
              .string();
      if (got.rfind(want, 0) != 0) return false;
    }
    json a = config_to_json(info.config), b = config_to_json(c);
    for (const char* key : {"model", "tokenizer"}) a.erase(key), b.erase(key);
    if (options.init_from.empty()) {
      a["model"] = config_to_json(info.config)["model"];
      b["model"] = config_to_json(c)["model"];
    }
    return a == b && info.tokenizer_checksum == sha256_file(tokenizer_model_path(c.run_dir));
  } catch (const Error&) {
    return false;
  }
}
}  // namespace

TrainResult run_train_command(Config config, TrainOptions options) {
  if (!options.init_from.empty()) {
    adopt_init_tokenizer(config, &options);
    run_tokenizer_stage(TokenizerJob::of(config));
    run_prepare(PrepareJob::of(config));
  }
  return run_train(config, options);
}

PipelineResult run_pipeline(const Config& config_in, const TrainOptions& options_in) {
  Config cfg = config_in;
  TrainOptions options = options_in;
  const char* world = std::getenv("WORLD_SIZE");
  if (world && std::string(world) != "1")
    throw UsageError(
        "pipeline runs in one process; for a distributed run, run `bertforge "
        "tokenizer` and `bertforge prepare` once, then launch `bertforge train`");
  if (!options.init_from.empty()) adopt_init_tokenizer(cfg, &options);
  if (options.init_from.empty() && !options.resume.empty() && cfg.tokenizer.model.empty()) {
    // Resuming a continuation run (one started with --init-from): its tokenizer is the starting
    // model's, which the config does not name. Keep it instead of training a new one over it.
    std::optional<CheckpointInfo> from =
        options.resume == "auto" ? newest_checkpoint(cfg.run_dir) : find_checkpoint(options.resume);
    if (from) {
      const CheckpointInfo& info = *from;
      options.resume_checkpoint = std::make_shared<const CheckpointInfo>(info);
      if (!info.state.value("init_from", json()).is_null()) {
        use_tokenizer(
            cfg, fs::join(info.dir, ckpt_file::kTokenizer),
            "a continuation of " + info.state.value("init_from", json()).value("path", "?"));
        log::info("resuming a continuation of {}: keeping its tokenizer",
                  info.state.value("init_from", json()).value("path", "?"));
      }
    }
  }
  log::info("pipeline 1/4: tokenizer");
  run_tokenizer_stage(TokenizerJob::of(cfg));
  log::info("pipeline 2/4: prepare");
  run_prepare(PrepareJob::of(cfg));
  PipelineResult r;
  log::info("pipeline 3/4: train");
  if (finished(cfg, options)) {
    log::info("train: {} already holds this config's model, skipping", final_dir(cfg.run_dir));
    r.train.skipped = true;
    r.train.final_dir = final_dir(cfg.run_dir);
  } else {
    r.train = run_train(cfg, options);
  }
  log::info("pipeline 4/4: evaluate");
  bool has_valid = false;
  try {
    has_valid = Dataset::open(data_dir(cfg.run_dir), "valid",
                              sha256_file(tokenizer_model_path(cfg.run_dir)))
                    .num_docs() > 0;
  } catch (const InputError&) {
  }
  if (has_valid)
    r.final_eval = evaluate_checkpoint(final_dir(cfg.run_dir), "", cfg.train.eval_batches);
  else
    log::warn(
        "no validation documents in {} (data.valid_fraction, data.valid_files): no final "
        "evaluation",
        data_dir(cfg.run_dir));
  return r;
}

namespace {
void check_start(const TrainOptions& options) {
  if (!options.resume.empty() && !options.init_from.empty())
    throw UsageError(
        "--resume and --init-from exclude each other: --resume continues a run, --init-from "
        "starts a new one from a model");
}
}  // namespace

int train_command(const Config& config, const TrainOptions& options) {
  check_start(options);
  const auto lock = lock_run(config);
  // Not recorded here: run_train writes config.json once the run has passed its checks, so a
  // refused start (say, a forgotten --resume) leaves the old run's config.json alone.
  run_train_command(config, options);
  return 0;
}

int pipeline_command(const Config& cfg, const TrainOptions& options) {
  check_start(options);
  const auto lock = lock_run(cfg);
  const PipelineResult r = run_pipeline(cfg, options);
  const bool best = fs::exists(fs::join(best_dir(cfg.run_dir), ckpt_file::kDone));
  std::cout << "run directory: " << cfg.run_dir << "\n"
            << "checkpoints:   " << checkpoints_dir(cfg.run_dir) << "\n"
            << "final model:   " << r.train.final_dir << "\n"
            << (best ? "best model:    " + best_dir(cfg.run_dir) + " (lowest validation MLM loss)\n"
                     : std::string())
            << "logs:          " << train_log_path(cfg.run_dir) << ", "
            << eval_log_path(cfg.run_dir) << "\n"
            << (cfg.train.tensorboard
                    ? "tensorboard:   tensorboard --logdir " + tensorboard_dir(cfg.run_dir) + "\n"
                    : std::string())
            << (r.train.stop_message.empty() ? std::string()
                                             : "stopped early: " + r.train.stop_message + "\n")
            << "validation:\n";
  print_eval(r.final_eval, false);
  return 0;
}

}  // namespace bertforge
