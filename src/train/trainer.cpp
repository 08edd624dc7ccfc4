#include "train/trainer.h"

#include <atomic>
#include <chrono>
#include <cmath>
#include <csignal>

#include "checkpoint/checkpoint.h"
#include "config/config.h"
#include "console/logging.h"
#include "console/progress.h"
#include "data/dataset.h"
#include "data/loader.h"
#include "data/mixture.h"
#include "distributed/distributed.h"
#include "errors/errors.h"
#include "fs/fs.h"
#include "logs/run_logs.h"
#include "optim/optimizer.h"
#include "run/run_layout.h"
#include "runtime/runtime.h"
#include "train/batch_parallel.h"
#include "train/eval_sets.h"
#include "train/guard.h"
#include "train/metric_window.h"
#include "train/objective.h"
#include "train/run_start.h"
#include "train/schedule.h"
#include "train/scheduler.h"
#include "train/step_profile.h"
#include "train/train_state.h"
#include "train/train_step.h"

namespace bertforge {
using json = nlohmann::json;

namespace {
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

// The architecture the run trains: --init-from's, a resumed checkpoint's, or the config's.
const std::string& run_architecture(const Config& cfg, const RunStart& start) {
  if (start.init) return start.init->config.model.architecture;
  return start.resume ? start.resume->shape.architecture : cfg.model.architecture;
}

// `architecture`: the run's (run_architecture), which cfg.model holds only once the constructor
// has adopted --init-from's shape.
LoaderOptions loader_options(const Config& cfg, const Tokenizer& tok, const Distributed& dist,
                             const Dataset& train, const std::string& architecture) {
  LoaderOptions o;
  o.mix = mix_sources(train, cfg.data);
  o.seed = cfg.seed;
  o.rank = dist.rank();
  o.world_size = dist.world_size();
  o.batch_size = cfg.train.batch_size;
  o.vocab_size = tok.vocab_size();
  o.word_start = tok.word_start_table();
  o.specials = tok.specials();
  o.architecture = architecture;
  return o;
}

Schedule make_schedule(const TrainConfig& t, int64_t total) {
  return {t.schedule, t.lr, resolve_warmup(t.warmup_steps, total, t.warmup_ratio), total,
          static_cast<int64_t>(std::ceil(t.decay_ratio * total - 1e-9))};
}

// The metrics of the steps since the last line, as a train.jsonl line.
// A causal-LM window (train.objective clm) names its loss and accuracy clm_loss, clm_accuracy.
json train_line(const TrainState& state, const Window& w, double lr, double grad_norm, double secs,
                double batches_per_epoch, double elapsed, const std::string& objective) {
  const double n = std::max(1.0, w.steps);
  return {{"step", state.step},
          {"epoch", state.loader.epoch + state.loader.step / batches_per_epoch},
          {"objective", objective},
          {"loss", w.loss / n},
          {objective + "_loss", w.mlm_loss / n},
          {"nsp_loss", w.nsp_loss / n},
          {objective + "_accuracy", w.mlm_correct / std::max(1.0, w.mlm_count)},
          {"nsp_accuracy", w.nsp_correct / std::max(1.0, w.nsp_count)},
          {"lr", lr},
          {"grad_norm", grad_norm},
          {"tokens_per_sec", secs > 0 ? w.tokens / secs : 0.0},
          {"positions_per_sec", secs > 0 ? w.positions / secs : 0.0},
          {"tokens_seen", state.tokens_seen},
          {"elapsed_sec", elapsed}};
}

// data.sources: the step's real tokens per source, summed over ranks (`g` holds them from `at`).
void add_source_tokens(TrainState& state, const std::vector<std::string>& names,
                       const std::vector<double>& g, size_t at) {
  for (size_t i = 0; i < names.size(); ++i)
    state.source_tokens[names[i]] =
        state.source_tokens.value(names[i], int64_t{0}) + static_cast<int64_t>(g[at + i]);
}

void add_to_window(Window& w, const StepMetrics& m) {
  w.loss += m.loss, w.mlm_loss += m.mlm_loss, w.nsp_loss += m.nsp_loss;
  w.mlm_correct += m.mlm_correct, w.mlm_count += m.mlm_count;
  w.nsp_correct += m.nsp_correct, w.nsp_count += m.nsp_count;
  w.steps += 1;
}

enum class SaveKind { kStep, kBest, kFinal };

// One training run: start-up (members, in order), then the loop in run().
class TrainingRun {
 public:
  TrainingRun(const Config& config, const TrainOptions& options);
  TrainResult run();

 private:
  void open_outputs();
  void take_step();
  void log_step(const StepResult& r, double lr, const std::string& objective);
  void evaluate();
  void judge(const std::vector<SetMetrics>& results);
  void set_stop_reason();
  bool stopped() const;
  void guard_reference();
  void save(SaveKind kind);
  [[noreturn]] void stop(const LoaderPosition& before);
  double elapsed() const;

  Config cfg_;
  const TrainOptions& options_;
  const DistEnv denv_;
  const int threads_;
  const torch::Device device_;
  Distributed dist_;
  const bool main_;
  RunStart start_;
  RunInputs in_;
  const std::string eval_set_;  // what best/ and early stopping follow; "" = no validation data
  ModelPtr model_;
  std::vector<torch::Tensor> params_;
  std::vector<char> reached_;  // train_step(): the weights that have had a gradient
  std::unique_ptr<torch::optim::AdamW> optimizer_;
  std::unique_ptr<BatchParallel> workers_;  // the threads a micro-batch is split over
  Loader loader_;
  Scheduler scheduler_;
  Schedule lr_schedule_;
  ObjectivePlan objective_;
  TrainState state_;
  Window window_;
  int64_t start_step_ = 0;
  RunLogs logs_;
  std::string last_checkpoint_;
  EvalMetrics last_eval_;
  std::string stop_reason_, stop_message_;  // why the run ends before its step budget
  json last_line_;
  std::chrono::steady_clock::time_point t0_, window_start_;
  double elapsed0_ = 0;
};

TrainingRun::TrainingRun(const Config& config, const TrainOptions& options)
    : cfg_(config),
      options_(options),
      denv_(DistEnv::from_environment()),
      threads_(configure_threads(cfg_.train.threads)),
      device_(select_device(cfg_.train.device, denv_.local_rank)),
      dist_(denv_, device_, cfg_.train.dist_timeout_sec),
      main_(dist_.is_main()),
      start_([&] {
        RunStart s = plan_run_start(cfg_.run_dir, options, main_);
        fit_resume_to_world(cfg_, s, denv_.world_size);
        return s;
      }()),
      in_(open_run_inputs(cfg_, start_, main_)),
      eval_set_(resolve_eval_set(cfg_, in_)),
      loader_(in_.train, cfg_.data, cfg_.masking,
              loader_options(cfg_, in_.tok, dist_, in_.train, run_architecture(cfg_, start_))),
      scheduler_(cfg_.train, step_budget(cfg_.train, loader_.batches_per_epoch()),
                 !eval_set_.empty()),
      lr_schedule_(make_schedule(cfg_.train, scheduler_.total_steps())),
      objective_(cfg_.train, scheduler_.total_steps()) {
  if (loader_.batches_per_epoch() < 1)
    throw InputError(data_dir(cfg_.run_dir), 0,
                     fmt::format("the training data yields no full batch of {} examples",
                                 cfg_.train.batch_size * dist_.world_size()),
                     "use a bigger corpus or a smaller train.batch_size");
  if (start_.init) adopt_init_shape(cfg_, *start_.init, options.init_from);
  bool nsp_head_trained = false;
  model_ = build_model(cfg_, start_, in_, &nsp_head_trained);
  model_->to(device_);
  model_->train();
  params_ = model_->parameters();
  dist_.broadcast(params_);  // every rank starts from rank 0's weights
  optimizer_ = make_optimizer(*model_, cfg_.train);
  int64_t weights = 0;
  for (const auto& p : params_) weights += p.numel();
  workers_ = std::make_unique<BatchParallel>(
      *model_, batch_parts(cfg_.train.thread_mode, device_, threads_, weights));
  state_.init_from = start_.init_record;
  state_.nsp_head_trained = nsp_head_trained;
  state_.world_size = dist_.world_size();
  if (start_.resume) {
    load_optimizer(start_.resume->dir, *optimizer_);
    state_ = TrainState::of(*start_.resume);
    state_.nsp_head_trained = state_.nsp_head_trained || cfg_.data.nsp;
    state_.world_size = dist_.world_size();
    loader_.set_position(state_.loader);
    last_checkpoint_ = start_.resume->dir;
    log::info("resumed from {} at step {}", start_.resume->dir, state_.step);
  }
  window_ = Window::from_json(state_.window);
  start_step_ = state_.step;
  elapsed0_ = state_.elapsed_sec;
}

// Only now, with everything loaded and checked: an error above leaves the old run intact.
void TrainingRun::open_outputs() {
  if (!main_) return;
  const int64_t resumed_at = start_.resume ? state_.step : -1;
  prepare_run_dir(cfg_.run_dir, resumed_at, options_.overwrite);
  logs_ = RunLogs(cfg_.run_dir, resumed_at, cfg_.train.tensorboard, cfg_.data.nsp);
  fs::write_file_atomic(run_config_path(cfg_.run_dir), config_to_string(cfg_));
  int64_t n = 0;
  for (auto& p : params_) n += p.numel();
  const int accum = cfg_.train.grad_accum;
  log::info(
      "train: {} parameters, {} steps, global batch {} x {} accum x {} ranks = {} examples, {} "
      "batches/epoch/rank, {} threads{}, {}, {}, objective {}",
      n, scheduler_.total_steps(), cfg_.train.batch_size, accum, dist_.world_size(),
      int64_t(cfg_.train.batch_size) * accum * dist_.world_size(), loader_.batches_per_epoch(),
      threads_, workers_->threads() > 1 ? " (each on its part of the batch)" : "", device_.str(),
      describe_precision(cfg_.train.precision, device_), cfg_.train.objective);
}

double TrainingRun::elapsed() const {
  return elapsed0_ + std::chrono::duration<double>(std::chrono::steady_clock::now() - t0_).count();
}

// Writes a checkpoint of the current state on the main rank; every rank waits for it.
void TrainingRun::save(SaveKind kind) {
  state_.elapsed_sec = elapsed();
  state_.window = kind == SaveKind::kFinal ? json::object() : window_.to_json();
  const std::string tok_path = tokenizer_model_path(cfg_.run_dir);
  if (main_) {
    if (kind == SaveKind::kStep)
      last_checkpoint_ =
          save_step_checkpoint(cfg_.run_dir, model_, *optimizer_, state_.to_json(), cfg_, tok_path);
    else
      write_checkpoint(kind == SaveKind::kBest ? best_dir(cfg_.run_dir) : final_dir(cfg_.run_dir),
                       model_, nullptr, state_.to_json(), cfg_, tok_path);
  }
  dist_.barrier();
  if (kind == SaveKind::kStep) scheduler_.saved(std::chrono::steady_clock::now());
}

// A stop signal reached some rank: save this step's start and end the run with an error.
void TrainingRun::stop(const LoaderPosition& before) {
  log::warn("stop requested: saving a checkpoint at step {}", state_.step);
  state_.loader = before;  // this step's batches were fetched but not used
  if (state_.step > start_step_) save(SaveKind::kStep);
  throw RuntimeError(fmt::format(
      "interrupted at step {}{}", state_.step,
      last_checkpoint_.empty() ? "" : "; resume from " + last_checkpoint_ + " with --resume auto"));
}

// Evaluates every validation set, keeps the best model and decides whether the run stops, then
// logs (the losses are reduced over ranks, so every rank decides the same). In clm_then_mlm's CLM
// phase the model is scored as a causal LM and neither the best model nor early stopping follows
// it (its loss is not the MLM loss they compare).
void TrainingRun::evaluate() {
  const bool causal = objective_.causal(state_.step - 1);
  const std::vector<SetMetrics> results =
      evaluate_sets(*model_, in_, cfg_, device_, causal, state_.step, &dist_);
  last_eval_ = *find_set(results, eval_set_);
  if (!(causal && objective_.switch_step() > 0)) judge(results);
  if (!main_) return;
  for (const SetMetrics& r : results) {
    json row = eval_row(r);
    if (!stop_reason_.empty())
      row["stop_reason"] = stop_reason_, row["stop_message"] = stop_message_;
    logs_.eval(state_.step, row, r.name == kDefaultValidSet ? "" : r.name);
    log::info(set_summary(r, cfg_.data.nsp));
  }
  if (!stop_reason_.empty())
    log::info("{} at step {}: {}", stop_reason_ == "early_stopping" ? "early stopping" : "stopping",
              state_.step, stop_message_);
}

// The evaluation's verdicts: the guarded set's loss, the best model (saved), the stop rules.
void TrainingRun::judge(const std::vector<SetMetrics>& results) {
  if (cfg_.train.guard_max_rise > 0 && state_.guard.has_reference())
    if (const EvalMetrics* g = find_set(results, state_.guard.set))
      state_.guard.observe(g->mlm_loss, state_.step);
  const EvalMetrics& m = *find_set(results, eval_set_);
  if (state_.best.update(m.mlm_loss, state_.step, cfg_.train.early_stopping_min_delta) &&
      cfg_.train.keep_best)
    save(SaveKind::kBest);
  set_stop_reason();
}

// stop_reason_ and stop_message_ from the state: the guard first, then early stopping.
void TrainingRun::set_stop_reason() {
  const GuardVerdict v = guard_verdict(state_.guard, cfg_.train.guard_max_rise);
  if (v.stop) {
    stop_reason_ = "over_specialisation", stop_message_ = v.reason;
    return;
  }
  const int patience = cfg_.train.early_stopping;
  if (!state_.best.exhausted(patience)) return;
  stop_reason_ = "early_stopping";
  stop_message_ =
      fmt::format("no lower validation{} mlm_loss in {} evaluations (best {:.4f} at step {})",
                  eval_set_ == kDefaultValidSet ? "" : " (" + eval_set_ + ")", patience,
                  state_.best.loss, state_.best.step);
}

// The one stop decision: set_stop_reason() runs at the start (a resumed run may have stopped
// already) and after every evaluation that judges.
bool TrainingRun::stopped() const { return !stop_reason_.empty(); }

// train.guard_max_rise: the guarded set's loss before the first step, the reference the guard
// compares with (a resumed run keeps its checkpoint's). At step 0 every set's row is logged.
void TrainingRun::guard_reference() {
  const std::string& set = cfg_.train.guard_set;
  if (cfg_.train.guard_max_rise <= 0 || state_.guard.set == set) return;
  if (!scheduler_.more(state_.step, stopped())) return;
  if (state_.guard.has_reference())
    log::warn("train.guard_set is now {} (was {}): its reference is measured at step {}", set,
              state_.guard.set, state_.step);
  const bool causal = objective_.causal(state_.step);
  const std::vector<SetMetrics> results =
      evaluate_sets(*model_, in_, cfg_, device_, causal, state_.step, &dist_);
  const EvalMetrics* g = find_set(results, set);
  if (!g) throw RuntimeError("train.guard_set " + set + ": no such validation set was opened");
  state_.guard = GuardState{};
  state_.guard.set = set, state_.guard.metric = causal ? "clm_loss" : "mlm_loss";
  state_.guard.loss = g->mlm_loss, state_.guard.step = state_.step;
  if (!main_) return;
  for (const SetMetrics& r : results) {
    if (state_.step == 0) logs_.eval(0, eval_row(r), r.name == kDefaultValidSet ? "" : r.name);
    log::info(set_summary(r, cfg_.data.nsp));
  }
  if (std::isfinite(g->mlm_loss) && g->mlm_loss > 0)
    log::info("guard: {} {} {:.4f} at step {}; the run stops once it is more than {:g}% above it",
              set, state_.guard.metric, g->mlm_loss, state_.step, 100 * cfg_.train.guard_max_rise);
  else
    log::warn("guard: {} {} is {} at step {}: nothing to compare with, the guard is off", set,
              state_.guard.metric, g->mlm_loss, state_.step);
}

void TrainingRun::log_step(const StepResult& r, double lr, const std::string& objective) {
  const auto now = std::chrono::steady_clock::now();
  const double secs = std::chrono::duration<double>(now - window_start_).count();
  last_line_ = train_line(state_, window_, lr, r.grad_norm, secs,
                          static_cast<double>(loader_.batches_per_epoch()), elapsed(), objective);
  if (!state_.source_tokens.empty()) last_line_["tokens_seen_by_source"] = state_.source_tokens;
  if (main_) logs_.train(state_.step, last_line_);
  state_.last_metrics = last_line_;
  window_ = Window{};
  window_start_ = now;
}

// One optimizer step, then what the scheduler says is due after it.
void TrainingRun::take_step() {
  const bool causal = objective_.causal(state_.step);
  StepBatches batches = next_step_batches(loader_, cfg_.train.grad_accum, causal);
  const bool minutes = main_ && scheduler_.minutes_passed(std::chrono::steady_clock::now());
  const StepCounts& l = batches.local;
  std::vector<double> local = {
      l.masked,       l.nsp_examples, l.real_tokens, l.positions, double(g_stop_signal.load() != 0),
      double(minutes)};
  const std::vector<std::string> sources = loader_.source_names();
  local.resize(6 + sources.size(), 0.0);
  for (const Batch& b : batches.micro)
    for (size_t i = 0; i < b.source_tokens.size() && i < sources.size(); ++i)
      local[6 + i] += static_cast<double>(b.source_tokens[i]);
  auto g = dist_.all_reduce_sum(local);
  const StepCounts global{g[0], g[1], g[2], g[3]};
  const bool stop_requested = g[4] > 0, timed_save = g[5] > 0;
  if (stop_requested) stop(batches.before);

  const double lr = lr_schedule_.lr_at(state_.step);
  set_lr(*optimizer_, lr);
  const StepSettings settings{device_,     cfg_.train.precision,  cfg_.seed,
                              state_.step, cfg_.train.nsp_weight, cfg_.train.clip_norm,
                              causal};
  StepResult r =
      train_step(*workers_, *optimizer_, params_, reached_, batches, global, settings, dist_);
  if (r.updated) {
    add_to_window(window_, r.metrics);
  } else if (state_.skipped_steps >= cfg_.train.max_skipped_steps) {
    throw RuntimeError(
        fmt::format("non-finite loss at step {}{}", state_.step + 1,
                    last_checkpoint_.empty() ? std::string(" (no checkpoint yet)")
                                             : "; the last good checkpoint is " + last_checkpoint_),
        "lower train.lr, or allow train.max_skipped_steps");
  } else {
    ++state_.skipped_steps;
    log::warn("non-finite loss at step {}: batch skipped ({} of {} allowed)", state_.step + 1,
              state_.skipped_steps, cfg_.train.max_skipped_steps);
  }
  window_.tokens += global.real_tokens, window_.positions += global.positions;
  state_.step += 1;
  state_.tokens_seen += static_cast<int64_t>(global.real_tokens);
  add_source_tokens(state_, sources, g, 6);
  state_.loader = loader_.position();

  // The last CLM step of clm_then_mlm ends a log window, so that no line mixes the two losses.
  const bool logged = scheduler_.log_due(state_.step) || state_.step == objective_.switch_step();
  if (logged) log_step(r, lr, causal ? "clm" : "mlm");
  if (scheduler_.eval_due(state_.step)) evaluate();
  // A run that stops early here ends its log window too: its last steps get their line.
  if (!logged && stopped()) log_step(r, lr, causal ? "clm" : "mlm");
  if (scheduler_.save_due(state_.step, stopped(), timed_save)) save(SaveKind::kStep);
}

TrainResult TrainingRun::run() {
  open_outputs();
  StopSignals stop_signals;
  Progress progress("train", scheduler_.total_steps(), "step", 10.0);
  progress.set_quiet(!main_);
  t0_ = window_start_ = std::chrono::steady_clock::now();
  scheduler_.saved(t0_);  // train.save_every_minutes counts from here, on rank 0's clock
  set_stop_reason();
  guard_reference();
  StepProfile profile;
  while (scheduler_.more(state_.step, stopped())) {
    profile.before_step(state_.step);
    take_step();
    profile.after_step(state_.step);
    if (main_ && !last_line_.is_null())
      progress.update(
          state_.step,
          fmt::format("loss {:.4f} | {} tok/s", last_line_["loss"].get<double>(),
                      Progress::format_count(last_line_["tokens_per_sec"].get<double>(), "")));
  }
  if (main_) progress.finish();

  TrainResult result;
  result.steps = state_.step;
  result.final_dir = final_dir(cfg_.run_dir);
  if (state_.step == start_step_) {
    log::info(
        "train: already at step {} of {}{}, nothing to do", state_.step, scheduler_.total_steps(),
        stop_reason_.empty()               ? ""
        : stop_reason_ == "early_stopping" ? " (stopped early; raise train.early_stopping to go on)"
                                           : " (stopped by the guard: " + stop_message_ +
                                                 "; raise train.guard_max_rise to go on)");
    result.skipped = true;
  }
  result.stop_reason = stop_reason_, result.stop_message = stop_message_;
  save(SaveKind::kFinal);
  if (main_) log::info("final model: {}", result.final_dir);
  result.final_eval = last_eval_;
  return result;
}
}  // namespace

TrainResult run_train(const Config& config, const TrainOptions& options) {
  TrainingRun run(config, options);
  return run.run();
}

}  // namespace bertforge
