#include "finetune/loop.h"

#include <spdlog/fmt/fmt.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <csignal>
#include <limits>
#include <numeric>

#include "console/logging.h"
#include "console/progress.h"
#include "errors/errors.h"
#include "finetune/batches.h"
#include "finetune/inference.h"
#include "fs/fs.h"
#include "logs/run_logs.h"
#include "model/dropout.h"
#include "optim/optimizer.h"
#include "run/run_layout.h"
#include "runtime/random.h"
#include "train/schedule.h"

namespace bertforge {
using json = nlohmann::json;

namespace {
std::atomic<int> g_stop{0};
extern "C" void on_finetune_stop(int sig) { g_stop = sig; }

// SIGINT/SIGTERM during the loop: a checkpoint at the next step boundary, then exit 1.
struct StopSignals {
  StopSignals() {
    g_stop = 0;
    old_int = std::signal(SIGINT, on_finetune_stop);
    old_term = std::signal(SIGTERM, on_finetune_stop);
  }
  ~StopSignals() {
    std::signal(SIGINT, old_int);
    std::signal(SIGTERM, old_term);
  }
  void (*old_int)(int);
  void (*old_term)(int);
};

constexpr uint64_t kOrderStream = 31;  // purpose keys of the derived random streams
constexpr uint64_t kDropoutStream = 32;

std::vector<size_t> epoch_order(size_t n, uint64_t seed, int64_t epoch) {
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  Rng rng = Rng::derive(seed, {kOrderStream, static_cast<uint64_t>(epoch)});
  shuffle(order, rng);
  return order;
}

// Dropout draws from a stream keyed by (seed, step): no generator state to save.
void reseed(const torch::Device& device, uint64_t seed, int64_t step) {
  if (!device.is_cuda()) return;
  auto gen = at::globalContext().defaultGenerator(device);
  std::lock_guard<std::mutex> lock(gen.mutex());
  gen.set_current_seed(mix_seed(seed, {kDropoutStream, static_cast<uint64_t>(step), 1}));
}

struct Loop {
  Loop(FinetuneSetup& setup, const FinetuneData& data)
      : s(setup),
        d(data),
        f(setup.config.finetune),
        logs(setup.config.run_dir, setup.resumed ? setup.state.step : -1,
             setup.config.train.tensorboard, false) {}
  FinetuneSetup& s;
  const FinetuneData& d;
  const FinetuneConfig& f;
  RunLogs logs;
  Schedule schedule;
  int64_t per_epoch = 0, total = 0;
  std::string metric;
  std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();
  double elapsed_before = 0;

  double elapsed() const {
    return elapsed_before +
           std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }

  // One optimizer step on the batch `k` of the current epoch's `order`; returns the loss.
  double step(const std::vector<size_t>& order, int64_t k, double* grad_norm) {
    const size_t bs = static_cast<size_t>(f.batch_size);
    const size_t begin = static_cast<size_t>(k) * bs, end = std::min(order.size(), begin + bs);
    LabelledBatch b = make_batch(d.train, order, begin, end, s.pad, f.task);
    s.model->train();
    reseed(s.device, s.config.seed, s.state.step);
    DropoutKeys keys(
        mix_seed(s.config.seed, {kDropoutStream, static_cast<uint64_t>(s.state.step)}));
    set_lr(*s.optimizer, schedule.lr_at(s.state.step));
    s.optimizer->zero_grad();
    torch::Tensor logits =
        s.model->forward(b.ids.to(s.device), b.types.to(s.device), b.mask.to(s.device));
    b.labels = b.labels.to(s.device);
    torch::Tensor loss = task_loss(logits, b, f.task);
    loss.backward();
    const double max_norm = f.clip_norm > 0 ? f.clip_norm : std::numeric_limits<double>::infinity();
    *grad_norm = torch::nn::utils::clip_grad_norm_(s.model->parameters(), max_norm);
    s.optimizer->step();
    return loss.item<double>();
  }

  json evaluate() {
    const Outputs out =
        run_model(s.model, d.valid, s.pad, static_cast<int>(f.eval_batch_size), s.device, true);
    json row = {{"step", s.state.step},
                {"epoch", s.state.step / per_epoch},
                {"loss", out.loss},
                {"examples", d.valid.size()}};
    row.update(task_metrics(f.task, out, d.valid, d.valid_raw, d.labels));
    return row;
  }

  void save(const std::string& dir, bool with_optimizer) {
    write_checkpoint(dir, *s.model, s.model->shape(), with_optimizer ? s.optimizer.get() : nullptr,
                     s.state.to_json(), s.config, s.tokenizer_model, s.extra);
  }
};
}  // namespace

std::string selection_metric(const FinetuneConfig& f) {
  if (f.metric != "auto") return f.metric;
  if (f.task == "regression") return "pearson";
  return f.task == "token_classification" ? "f1" : "accuracy";
}

FinetuneResult finetune_loop(FinetuneSetup& s, const FinetuneData& d) {
  const FinetuneConfig& f = s.config.finetune;
  const std::string& run_dir = s.config.run_dir;
  Loop L(s, d);
  L.per_epoch = (static_cast<int64_t>(d.train.size()) + f.batch_size - 1) / f.batch_size;
  L.total = L.per_epoch * f.epochs;
  L.schedule = {"linear", f.lr, resolve_warmup(-1, L.total, f.warmup_ratio), L.total, 0};
  L.metric = selection_metric(f);
  L.elapsed_before = s.state.elapsed_sec;
  FinetuneResult r;
  r.metric = L.metric;
  r.last = s.state.last_metrics.value("eval", json());
  r.best = s.state.last_metrics.value("best", json());
  Progress progress("finetune", L.total, "steps");
  StopSignals stop_signals;
  json window = s.state.window.empty() ? json{{"loss", 0.0}, {"n", 0}} : s.state.window;
  std::vector<size_t> order;
  int64_t order_epoch = -1;
  while (s.state.step < L.total) {
    const int64_t epoch = s.state.step / L.per_epoch, k = s.state.step % L.per_epoch;
    if (epoch != order_epoch)
      order = epoch_order(d.train.size(), s.config.seed, order_epoch = epoch);
    double grad_norm = 0;
    const double loss = L.step(order, k, &grad_norm);
    ++s.state.step;
    s.state.loader = {epoch, k + 1};
    window["loss"] = window["loss"].get<double>() + loss;
    window["n"] = window["n"].get<int64_t>() + 1;
    const bool epoch_end = s.state.step % L.per_epoch == 0;
    if (s.state.step % f.log_every == 0 || epoch_end) {
      const double mean = window["loss"].get<double>() / window["n"].get<double>();
      L.logs.train(s.state.step, {{"step", s.state.step},
                                  {"epoch", static_cast<double>(s.state.step) / L.per_epoch},
                                  {"loss", mean},
                                  {"lr", L.schedule.lr_at(s.state.step - 1)},
                                  {"grad_norm", grad_norm},
                                  {"elapsed_sec", L.elapsed()}});
      window = {{"loss", 0.0}, {"n", 0}};
      progress.update(s.state.step, fmt::format("loss {:.4f}", mean));
    }
    s.state.elapsed_sec = L.elapsed();
    s.state.window = window;
    if (epoch_end && !d.valid.empty()) {
      r.last = L.evaluate();
      L.logs.eval(s.state.step, r.last);
      log::info("epoch {}: {} {:.4f} (validation loss {:.4f})", r.last["epoch"].get<int64_t>(),
                L.metric, r.last[L.metric].get<double>(), r.last["loss"].get<double>());
      if (s.state.best.update(-r.last[L.metric].get<double>(), s.state.step, 0.0)) {
        r.best = r.last;
        s.state.last_metrics = {{"eval", r.last}, {"best", r.best}};
        L.save(best_dir(run_dir), false);
      }
      s.state.last_metrics = {{"eval", r.last}, {"best", r.best}};
    }
    const bool periodic =
        s.config.train.save_every > 0 && s.state.step % s.config.train.save_every == 0;
    const bool stop = g_stop.load() != 0;
    if ((epoch_end || periodic || stop) && s.state.step < L.total)
      save_step_checkpoint(run_dir, *s.model, s.model->shape(), *s.optimizer, s.state.to_json(),
                           s.config, s.tokenizer_model, s.extra);
    if (stop && s.state.step < L.total)
      throw RuntimeError("stopped by signal " + std::to_string(g_stop.load()) + " at step " +
                             std::to_string(s.state.step) + " (checkpoint saved)",
                         "--resume auto continues the run");
  }
  progress.finish();
  save_step_checkpoint(run_dir, *s.model, s.model->shape(), *s.optimizer, s.state.to_json(),
                       s.config, s.tokenizer_model, s.extra);
  L.save(final_dir(run_dir), false);
  r.steps = s.state.step;
  r.final_dir = final_dir(run_dir);
  r.best_dir = r.best.is_null() ? "" : best_dir(run_dir);
  return r;
}

}  // namespace bertforge
