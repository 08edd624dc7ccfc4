#include "train/trainer.h"

#include <ATen/core/Generator.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <csignal>
#include <filesystem>
#include <optional>

#include "common/config.h"
#include "common/errors.h"
#include "common/fs.h"
#include "common/logging.h"
#include "common/progress.h"
#include "common/random.h"
#include "data/context_counts.h"
#include "data/dataset.h"
#include "data/loader.h"
#include "model/bert.h"
#include "tokenizer/tokenizer.h"
#include "tokenizer/vocab_growth.h"
#include "train/batch_tensors.h"
#include "train/checkpoint.h"
#include "train/distributed.h"
#include "train/init_from.h"
#include "train/jsonl_log.h"
#include "train/loss.h"
#include "train/metric_window.h"
#include "train/optimizer.h"
#include "train/pretrained.h"
#include "train/runtime.h"
#include "train/schedule.h"
#include "train/tensorboard.h"

namespace bertforge {
using json = nlohmann::json;

namespace {
// Purposes for derived random streams.
enum : uint64_t { kInitStream = 11, kDropoutStream = 12, kFreshNspStream = 13 };

std::atomic<int> g_stop_signal{0};
extern "C" void on_stop_signal(int sig) { g_stop_signal = sig; }

// Installs SIGINT/SIGTERM handlers for the lifetime of a training run: the run stops at the next
// step boundary after saving a checkpoint.
struct StopSignals {
  StopSignals() {
    g_stop_signal = 0;
    old_int_ = std::signal(SIGINT, on_stop_signal);
    old_term_ = std::signal(SIGTERM, on_stop_signal);
  }
  ~StopSignals() {
    std::signal(SIGINT, old_int_);
    std::signal(SIGTERM, old_term_);
  }
  void (*old_int_)(int);
  void (*old_term_)(int);
};

// Dropout draws from the device's generator, reseeded at every micro-step from (seed, step, micro,
// rank): a pure function of the position in the run, so resuming needs no generator state.
void reseed_dropout(const torch::Device& device, uint64_t seed, int64_t step, int micro, int rank) {
  auto gen = at::globalContext().defaultGenerator(device);
  std::lock_guard<std::mutex> lock(gen.mutex());
  gen.set_current_seed(mix_seed(seed, {kDropoutStream, static_cast<uint64_t>(step),
                                       static_cast<uint64_t>(micro), static_cast<uint64_t>(rank)}));
}

std::string fmt(double v, int prec = 4) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.*f", prec, v);
  return buf;
}
}  // namespace

TrainResult run_train(const Config& config_in, const TrainOptions& options) {
  Config cfg = config_in;
  const std::string& run_dir = cfg.run_dir;
  DistEnv denv = DistEnv::from_environment();
  if (denv.world_size > 1) log::set_rank(denv.rank);
  const int threads = configure_threads(cfg.train.threads);
  const torch::Device device = select_device(cfg.train.device, denv.local_rank);
  Distributed dist(denv, device, cfg.train.dist_timeout_sec);
  const bool main_rank = dist.is_main();

  // --- where the run starts: fresh, resumed, or continued from a pretrained model ---------------
  std::optional<CheckpointInfo> resume;
  if (options.resume == "auto") {
    if (auto newest = newest_checkpoint(run_dir))
      resume = read_checkpoint(*newest);
    else
      log::info("resume auto: no complete checkpoint in " + checkpoints_dir(run_dir) +
                ", starting fresh");
  } else if (!options.resume.empty()) {
    resume = read_checkpoint(resolve_checkpoint(options.resume));
  }
  if (!resume && main_rank) {
    if (auto existing = newest_checkpoint(run_dir)) {
      if (!options.overwrite)
        throw UsageError(run_dir + " already holds checkpoints (newest: " + *existing +
                         "); pass --resume auto to continue that run, or --overwrite to start "
                         "afresh and delete them");
    }
  }
  std::optional<Pretrained> init;
  json init_record;
  bool nsp_head_trained = config_in.data.nsp;
  if (resume) {
    init_record = resume->state.init_from;
  } else if (!options.init_from.empty()) {
    init = load_pretrained(options.init_from);
    init_record = {{"path", std::filesystem::absolute(init->dir).lexically_normal().string()},
                   {"checksum", init->weights_checksum},
                   {"step", init->step}};
  }

  const std::string tok_path = tokenizer_model_path(run_dir);
  if (!fs::exists(tok_path))
    throw InputError(
        tok_path, 0, "no tokenizer in the run directory",
        "run `bertforge tokenizer` and `bertforge prepare` first, or `bertforge pipeline`");
  Tokenizer tok = Tokenizer::load(tok_path);
  std::optional<Tokenizer> init_tok;
  if (init) init_tok.emplace(Tokenizer::load(init->tokenizer_model));
  if (init && init->tokenizer_checksum != tok.checksum() && !is_grown_from(*init_tok, tok))
    throw ConfigError(
        "tokenizer",
        "the run's tokenizer (" + tok_path + ") is not the tokenizer of --init-from " + init->dir,
        "prepare the domain corpus with the model's tokenizer: `bertforge pipeline "
        "--init-from " +
            options.init_from + "` does that");
  if (!fs::exists(manifest_path(run_dir)))
    throw InputError(manifest_path(run_dir), 0, "no prepared data",
                     "run `bertforge prepare --config ...` first");
  Dataset train_data = Dataset::open(data_dir(run_dir), "train", tok.checksum());
  std::optional<Dataset> valid_data;
  try {
    Dataset v = Dataset::open(data_dir(run_dir), "valid", tok.checksum());
    if (v.num_docs() > 0) valid_data.emplace(std::move(v));
  } catch (const InputError& e) {
    log::warn(std::string("no validation data: ") + e.what());
  }
  // Count baselines for the evaluations, from the training shards (cached beside them).
  std::optional<ContextCounts> counts;
  if (valid_data) counts = ContextCounts::load_or_build(data_dir(run_dir), main_rank);
  if (cfg.train.early_stopping > 0 && !valid_data)
    throw ConfigError(
        "train.early_stopping",
        "needs validation data, and " + data_dir(run_dir) + " has no validation split",
        "set data.valid_fraction > 0 or data.valid_files, or early_stopping 0");

  // --- the model --------------------------------------------------------------------------------
  if (init) {
    const ModelConfig& m = init->config.model;
    // The shape is the starting model's; say so where the config asked for another one.
    json asked = config_to_json(cfg)["model"];
    cfg.model.layers = m.layers, cfg.model.hidden = m.hidden, cfg.model.heads = m.heads;
    cfg.model.intermediate = m.intermediate, cfg.model.max_position = m.max_position;
    cfg.model.type_vocab_size = m.type_vocab_size, cfg.model.layer_norm_eps = m.layer_norm_eps;
    cfg.model.architecture = m.architecture;
    cfg.model.global_attn_every_n_layers = m.global_attn_every_n_layers;
    cfg.model.local_attention = m.local_attention;
    cfg.model.global_rope_theta = m.global_rope_theta;
    cfg.model.local_rope_theta = m.local_rope_theta;
    validate(cfg);
    json got = config_to_json(cfg)["model"];
    std::string changed;
    for (const char* k :
         {"architecture", "layers", "hidden", "heads", "intermediate", "max_position",
          "type_vocab_size", "layer_norm_eps", "global_attn_every_n_layers", "local_attention",
          "global_rope_theta", "local_rope_theta"})
      if (asked[k] != got[k])
        changed += std::string(changed.empty() ? "" : ", ") + "model." + k + " " + asked[k].dump() +
                   " -> " + got[k].dump();
    if (!changed.empty())
      log::warn("--init-from " + options.init_from + " sets the model's shape: " + changed);
  }
  const BertShape shape = BertShape::from_config(cfg.model, tok.vocab_size());
  if (resume) {
    std::string diff = resume->shape.difference(shape);
    if (!diff.empty())
      throw ConfigError("model", "does not match the checkpoint " + resume->dir + " (" + diff + ")",
                        "resume with the config the run was started with");
    if (resume->tokenizer_checksum != tok.checksum())
      throw ConfigError("tokenizer",
                        "the run's tokenizer differs from the one of checkpoint " + resume->dir);
  }
  ModelPtr model = make_model(shape);
  model->init_weights(at::make_generator<at::CPUGeneratorImpl>(mix_seed(cfg.seed, {kInitStream})));
  if (init) {
    bool fresh_nsp = cfg.data.nsp && !init->has_nsp_head;
    nsp_head_trained = cfg.data.nsp || init->has_nsp_head;
    const int new_rows = copy_pretrained_weights(*init->model, *model, fresh_nsp, *init_tok, tok);
    if (new_rows > 0)
      log::info("init-from: " + std::to_string(new_rows) +
                " added token(s) start as the mean of the embeddings of their old pieces");
    log::info(
        "init-from " + init->dir + " (step " + std::to_string(init->step) + ")" +
        (fresh_nsp ? "; its NSP head was never trained: a fresh NSP head is initialised" : ""));
    init.reset();
  }
  if (resume) load_weights(resume->dir, model);
  model->to(device);
  model->train();
  std::vector<torch::Tensor> params = model->parameters();
  dist.broadcast(params);  // every rank starts from rank 0's weights
  auto optimizer = make_optimizer(*model, cfg.train);
  if (resume) load_optimizer(resume->dir, *optimizer);

  // --- data and schedule ------------------------------------------------------------------------
  LoaderOptions lopt;
  lopt.seed = cfg.seed;
  lopt.rank = dist.rank();
  lopt.world_size = dist.world_size();
  lopt.batch_size = cfg.train.batch_size;
  lopt.vocab_size = tok.vocab_size();
  lopt.word_start = tok.word_start_table();
  lopt.specials = tok.specials();
  Loader loader(train_data, cfg.data, cfg.masking, lopt);
  if (loader.batches_per_epoch() < 1)
    throw InputError(data_dir(run_dir), 0,
                     "the training data yields no full batch of " +
                         std::to_string(cfg.train.batch_size * dist.world_size()) + " examples",
                     "use a bigger corpus or a smaller train.batch_size");
  const int accum = cfg.train.grad_accum;
  const int64_t total_steps =
      cfg.train.epochs > 0
          ? std::max<int64_t>(1, static_cast<int64_t>(std::ceil(
                                     cfg.train.epochs * loader.batches_per_epoch() / accum)))
          : cfg.train.steps;
  Schedule sched{cfg.train.schedule, cfg.train.lr,
                 resolve_warmup(cfg.train.warmup_steps, total_steps, cfg.train.warmup_ratio),
                 total_steps,
                 static_cast<int64_t>(std::ceil(cfg.train.decay_ratio * total_steps - 1e-9))};

  TrainState state;
  state.init_from = init_record;
  state.nsp_head_trained = nsp_head_trained;
  if (resume) {
    state = resume->state;
    state.nsp_head_trained = state.nsp_head_trained || cfg.data.nsp;
    loader.set_position(state.loader);
    log::info("resumed from " + resume->dir + " at step " + std::to_string(state.step));
  }
  Window window = Window::from_json(state.window);
  const int64_t start_step = state.step;

  JsonlLog train_log, eval_log;
  TensorBoardLog tensorboard;
  // TensorBoard shows what train.jsonl/eval.jsonl hold; NSP curves only when NSP is trained.
  auto to_tensorboard = [&](const char* prefix, int64_t step, json fields) {
    if (!tensorboard.is_open()) return;
    if (!cfg.data.nsp)
      for (const char* k : {"nsp_loss", "nsp_accuracy", "nsp_pairs"}) fields.erase(k);
    tensorboard.scalars(prefix, step, fields);
  };
  if (main_rank) {
    // Only now, with everything loaded and checked: an error above leaves the old run intact.
    prepare_run_dir(run_dir, resume ? state.step : -1, options.overwrite);
    train_log = JsonlLog(fs::join(run_dir, "logs/train.jsonl"), resume ? state.step : -1);
    eval_log = JsonlLog(fs::join(run_dir, "logs/eval.jsonl"), resume ? state.step : -1);
    tensorboard = TensorBoardLog(fs::join(run_dir, "logs/tensorboard"), resume ? state.step : -1,
                                 cfg.train.tensorboard);
    fs::write_file_atomic(fs::join(run_dir, "config.json"), config_to_string(cfg));
    int64_t params_n = 0;
    for (auto& p : params) params_n += p.numel();
    log::info(
        "train: " + std::to_string(params_n) + " parameters, " + std::to_string(total_steps) +
        " steps, global batch " + std::to_string(cfg.train.batch_size) + " x " +
        std::to_string(accum) + " accum x " + std::to_string(dist.world_size()) +
        " ranks = " + std::to_string(int64_t(cfg.train.batch_size) * accum * dist.world_size()) +
        " examples, " + std::to_string(loader.batches_per_epoch()) + " batches/epoch/rank, " +
        std::to_string(threads) + " threads, " + device.str() + ", " + cfg.train.precision);
  }

  auto evaluate_now = [&](int64_t step) {
    EvalMetrics m = evaluate_model(*model, *valid_data, cfg, tok, device, cfg.train.eval_batches,
                                   &dist, counts ? &*counts : nullptr);
    m.step = step;
    if (main_rank) {
      eval_log.append(m.to_json());
      to_tensorboard("eval", step, m.to_json());
      log::info(eval_summary(m, cfg.data.nsp));
    }
    return m;
  };
  // Best model and early stopping on the validation MLM loss (reduced: the same on every rank).
  const int patience = cfg.train.early_stopping;
  auto stopped_early = [&] { return state.best.exhausted(patience); };
  auto track_best = [&](const EvalMetrics& m) {
    if (state.best.update(m.mlm_loss, state.step, cfg.train.early_stopping_min_delta) &&
        cfg.train.keep_best && main_rank)
      write_checkpoint(best_dir(run_dir), model, nullptr, state, cfg, tok_path);
  };

  // --- the loop ---------------------------------------------------------------------------------
  StopSignals stop_signals;
  Progress progress("train", total_steps, "step", 10.0);
  progress.set_quiet(!main_rank);
  const auto t0 = std::chrono::steady_clock::now();
  auto window_start = t0;
  const double elapsed0 = state.elapsed_sec;
  auto elapsed = [&] {
    return elapsed0 + std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  };
  std::string last_checkpoint = resume ? resume->dir : "";
  auto last_save = t0;  // train.save_every_minutes counts from here, on rank 0's clock
  EvalMetrics last_eval;
  json last_line;

  while (state.step < total_steps && !stopped_early()) {
    // 1. This step's micro-batches, and the global counts that normalise the loss.
    const LoaderPosition before = loader.position();
    std::vector<Batch> micro(accum);
    double local[4] = {0, 0, 0, 0};  // masked, nsp examples, real tokens, all positions
    for (auto& b : micro) {
      b = loader.next();
      local[0] += b.num_masked;
      local[1] += (b.nsp_labels.empty() || b.nsp_labels[0] == kIgnoreLabel) ? 0 : b.batch_size;
      local[2] += b.num_real_tokens;
      local[3] += b.batch_size * b.seq_len;
    }
    const bool save_due = main_rank && cfg.train.save_every_minutes > 0 &&
                          std::chrono::steady_clock::now() - last_save >=
                              std::chrono::duration<double>(60 * cfg.train.save_every_minutes);
    auto global = dist.all_reduce_sum({local[0], local[1], local[2], local[3],
                                       double(g_stop_signal.load() != 0), double(save_due)});
    if (global[4] > 0) {
      if (main_rank) {
        log::warn("stop requested: saving a checkpoint at step " + std::to_string(state.step));
        state.elapsed_sec = elapsed();
        state.window = window.to_json();
        state.loader = before;  // this step's batches were fetched but not used
        if (state.step > start_step)
          last_checkpoint = save_step_checkpoint(run_dir, model, *optimizer, state, cfg, tok_path);
      }
      dist.barrier();
      throw RuntimeError("interrupted at step " + std::to_string(state.step) +
                         (last_checkpoint.empty()
                              ? ""
                              : "; resume from " + last_checkpoint + " with --resume auto"));
    }

    // 2. Forward and backward over the micro-batches.
    const double lr = sched.lr_at(state.step);
    set_lr(*optimizer, lr);
    double loss_sum = 0, mlm_sum = 0, nsp_sum = 0, mlm_correct = 0, mlm_count = 0, nsp_correct = 0,
           nsp_count = 0;
    for (int i = 0; i < accum; ++i) {
      reseed_dropout(device, cfg.seed, state.step, i, dist.rank());
      BatchTensors t = to_tensors(micro[i], device);
      LossParts parts;
      {
        AutocastGuard autocast(device, cfg.train.precision);
        auto out = model->forward(t.input_ids, t.token_type_ids, t.attention_mask, t.positions);
        parts = pretraining_loss(out.mlm_logits, t.mlm_labels, out.nsp_logits, t.nsp_labels,
                                 cfg.train.nsp_weight, global[0], global[1]);
      }
      parts.loss.backward();
      loss_sum += parts.loss.item<double>();
      mlm_sum += parts.mlm_loss.item<double>();
      nsp_sum += parts.nsp_loss.item<double>();
      mlm_correct += parts.mlm_correct, mlm_count += parts.mlm_count;
      nsp_correct += parts.nsp_correct, nsp_count += parts.nsp_count;
    }
    std::vector<torch::Tensor> grads;
    for (auto& p : params)
      if (p.grad().defined()) grads.push_back(p.grad());
    dist.all_reduce_sum(grads);
    auto sums = dist.all_reduce_sum(
        {loss_sum, mlm_sum, nsp_sum, mlm_correct, mlm_count, nsp_correct, nsp_count});
    const double max_norm = cfg.train.clip_norm > 0 ? cfg.train.clip_norm : INFINITY;
    const double grad_norm = torch::nn::utils::clip_grad_norm_(params, max_norm);

    // 3. Update, unless the loss or the gradients are not finite.
    if (!std::isfinite(sums[0]) || !std::isfinite(grad_norm)) {
      optimizer->zero_grad();
      if (state.skipped_steps >= cfg.train.max_skipped_steps)
        throw RuntimeError(
            "non-finite loss at step " + std::to_string(state.step + 1) +
                (last_checkpoint.empty() ? std::string(" (no checkpoint yet)")
                                         : "; the last good checkpoint is " + last_checkpoint),
            "lower train.lr, or allow train.max_skipped_steps");
      ++state.skipped_steps;
      log::warn("non-finite loss at step " + std::to_string(state.step + 1) + ": batch skipped (" +
                std::to_string(state.skipped_steps) + " of " +
                std::to_string(cfg.train.max_skipped_steps) + " allowed)");
    } else {
      optimizer->step();
      optimizer->zero_grad();
      window.loss += sums[0], window.mlm_loss += sums[1], window.nsp_loss += sums[2];
      window.mlm_correct += sums[3], window.mlm_count += sums[4];
      window.nsp_correct += sums[5], window.nsp_count += sums[6];
      window.steps += 1;
    }
    window.tokens += global[2], window.positions += global[3];
    state.step += 1;
    state.tokens_seen += static_cast<int64_t>(global[2]);
    state.loader = loader.position();

    // 4. Log, evaluate, save.
    const bool last = state.step == total_steps;
    if (state.step % cfg.train.log_every == 0 || last) {
      const auto now = std::chrono::steady_clock::now();
      const double secs = std::chrono::duration<double>(now - window_start).count();
      const double n = std::max(1.0, window.steps);
      const double bpe = static_cast<double>(loader.batches_per_epoch());
      json line = {{"step", state.step},
                   {"epoch", state.loader.epoch + state.loader.step / bpe},
                   {"loss", window.loss / n},
                   {"mlm_loss", window.mlm_loss / n},
                   {"nsp_loss", window.nsp_loss / n},
                   {"mlm_accuracy", window.mlm_correct / std::max(1.0, window.mlm_count)},
                   {"nsp_accuracy", window.nsp_correct / std::max(1.0, window.nsp_count)},
                   {"lr", lr},
                   {"grad_norm", grad_norm},
                   {"tokens_per_sec", secs > 0 ? window.tokens / secs : 0.0},
                   {"positions_per_sec", secs > 0 ? window.positions / secs : 0.0},
                   {"tokens_seen", state.tokens_seen},
                   {"elapsed_sec", elapsed()}};
      if (main_rank) {
        train_log.append(line);
        to_tensorboard("train", state.step, line);
      }
      last_line = line;
      state.last_metrics = line;
      window = Window{};
      window_start = now;
    }
    if (main_rank && !last_line.is_null())
      progress.update(state.step,
                      "loss " + fmt(last_line["loss"].get<double>()) + " | " +
                          Progress::format_count(last_line["tokens_per_sec"].get<double>(), "") +
                          " tok/s");
    if (((cfg.train.eval_every > 0 && state.step % cfg.train.eval_every == 0) || last) &&
        valid_data) {
      last_eval = evaluate_now(state.step);
      track_best(last_eval);
      if (stopped_early())
        log::info("early stopping at step " + std::to_string(state.step) +
                  ": no lower validation "
                  "mlm_loss in " +
                  std::to_string(patience) + " evaluations (best " + fmt(state.best.loss) +
                  " at step " + std::to_string(state.best.step) + ")");
    }
    if ((cfg.train.save_every > 0 && state.step % cfg.train.save_every == 0) || last ||
        stopped_early() || global[5] > 0) {
      state.elapsed_sec = elapsed();
      state.window = window.to_json();
      if (main_rank)
        last_checkpoint = save_step_checkpoint(run_dir, model, *optimizer, state, cfg, tok_path);
      dist.barrier();
      last_save = std::chrono::steady_clock::now();
    }
  }
  if (main_rank) progress.finish();

  TrainResult result;
  result.steps = state.step;
  result.final_dir = final_dir(run_dir);
  if (state.step == start_step) {
    log::info("train: already at step " + std::to_string(state.step) + " of " +
              std::to_string(total_steps) +
              (stopped_early() ? " (stopped early; raise train.early_stopping to go on)" : "") +
              ", nothing to do");
    result.skipped = true;
  }
  if (main_rank) {
    state.elapsed_sec = elapsed();
    state.window = json::object();
    write_checkpoint(result.final_dir, model, nullptr, state, cfg, tok_path);
    log::info("final model: " + result.final_dir);
  }
  dist.barrier();
  result.final_eval = last_eval;
  return result;
}

}  // namespace bertforge
