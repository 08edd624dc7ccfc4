#include "train/train_step.h"

#include <ATen/core/Generator.h>

#include <cmath>
#include <mutex>

#include "data/causal.h"
#include "distributed/distributed.h"
#include "model/dropout.h"
#include "runtime/random.h"
#include "runtime/runtime.h"
#include "train/batch_parallel.h"
#include "train/batch_tensors.h"
#include "train/loss.h"

namespace bertforge {

namespace {
constexpr uint64_t kDropoutStream = 12;  // purpose of the derived random stream

// Dropout keys are a pure function of the position in the run, so resuming needs no generator
// state: on the CPU each thread's part draws from DropoutKeys seeded from (seed, step, micro, rank,
// part); the device's generator (CUDA's dropout) is reseeded from (seed, step, micro, rank).
void reseed_dropout(const torch::Device& device, uint64_t seed, int64_t step, int micro, int rank) {
  auto gen = at::globalContext().defaultGenerator(device);
  std::lock_guard<std::mutex> lock(gen.mutex());
  gen.set_current_seed(mix_seed(seed, {kDropoutStream, static_cast<uint64_t>(step),
                                       static_cast<uint64_t>(micro), static_cast<uint64_t>(rank)}));
}

std::vector<double> as_vector(const StepMetrics& m) {
  return {m.loss, m.mlm_loss, m.nsp_loss, m.mlm_correct, m.mlm_count, m.nsp_correct, m.nsp_count};
}

StepMetrics from_vector(const std::vector<double>& v) {
  return {v[0], v[1], v[2], v[3], v[4], v[5], v[6]};
}
}  // namespace

StepBatches next_step_batches(Loader& loader, int accum, bool causal) {
  StepBatches s;
  s.before = loader.position();
  s.micro.resize(accum);
  for (auto& b : s.micro) {
    b = loader.next();
    if (causal) make_causal(&b);
    s.local.masked += b.num_masked;
    const bool nsp = !b.nsp_labels.empty() && b.nsp_labels[0] != kIgnoreLabel;
    s.local.nsp_examples += nsp ? b.batch_size : 0;
    s.local.real_tokens += b.num_real_tokens;
    s.local.positions += double(b.rows()) * b.seq_len;
  }
  return s;
}

namespace {
StepMetrics& operator+=(StepMetrics& a, const StepMetrics& b) {
  a.loss += b.loss, a.mlm_loss += b.mlm_loss, a.nsp_loss += b.nsp_loss;
  a.mlm_correct += b.mlm_correct, a.mlm_count += b.mlm_count;
  a.nsp_correct += b.nsp_correct, a.nsp_count += b.nsp_count;
  return a;
}

// Forward and backward of one batch (or of one thread's part of it) on `model`.
StepMetrics forward_backward(PreTrainingModel& model, const Batch& batch, const StepCounts& global,
                             const StepSettings& s) {
  BatchTensors t = to_tensors(batch, s.device);
  t.packed.causal = s.causal;
  LossParts parts;
  {
    AutocastGuard autocast(s.device, s.precision);
    auto out =
        model.forward(t.input_ids, t.token_type_ids, t.attention_mask, t.positions, t.packed);
    parts = pretraining_loss(out.mlm_logits, t.mlm_labels, out.nsp_logits, t.nsp_labels,
                             s.nsp_weight, global.masked, global.nsp_examples);
  }
  parts.loss.backward();
  return {parts.loss.item<double>(),
          parts.mlm_loss.item<double>(),
          parts.nsp_loss.item<double>(),
          static_cast<double>(parts.mlm_correct),
          static_cast<double>(parts.mlm_count),
          static_cast<double>(parts.nsp_correct),
          static_cast<double>(parts.nsp_count)};
}
}  // namespace

StepResult train_step(BatchParallel& workers, torch::optim::Optimizer& optimizer,
                      std::vector<torch::Tensor>& params, std::vector<char>& reached,
                      const StepBatches& batches, const StepCounts& global, const StepSettings& s,
                      Distributed& dist) {
  StepMetrics local;
  for (size_t i = 0; i < batches.micro.size(); ++i) {
    const int micro = static_cast<int>(i);
    reseed_dropout(s.device, s.seed, s.step, micro, dist.rank());
    std::vector<StepMetrics> sums(static_cast<size_t>(workers.threads()));
    workers.run(batches.micro[i], [&](PreTrainingModel& model, const Batch& part, int k) {
      DropoutKeys keys(mix_seed(
          s.seed, {kDropoutStream, static_cast<uint64_t>(s.step), static_cast<uint64_t>(micro),
                   static_cast<uint64_t>(dist.rank()), static_cast<uint64_t>(k)}));
      sums[static_cast<size_t>(k)] = forward_backward(model, part, global, s);
    });
    for (const auto& m : sums) local += m;
  }
  // A weight that has had a gradient in this run keeps one, zeros where this step did not reach
  // it, as LibTorch's zero_grad() left them: the optimizer (weight decay, moments) and the
  // all-reduce list see what they saw before. Weights never reached (the NSP head of an MLM-only
  // continuation) stay untouched.
  reached.resize(params.size(), 0);
  std::vector<torch::Tensor> grads;
  for (size_t i = 0; i < params.size(); ++i) {
    auto& p = params[i];
    if (p.grad().defined())
      reached[i] = 1;
    else if (reached[i])
      p.mutable_grad() = torch::zeros_like(p);
    else
      continue;
    grads.push_back(p.grad());
  }
  dist.all_reduce_sum(grads);
  StepResult r;
  r.metrics = from_vector(dist.all_reduce_sum(as_vector(local)));
  r.grad_norm = torch::nn::utils::clip_grad_norm_(params, s.clip_norm > 0 ? s.clip_norm : INFINITY);
  r.updated = std::isfinite(r.metrics.loss) && std::isfinite(r.grad_norm);
  if (r.updated) optimizer.step();
  // Dropped, not zeroed (PyTorch's zero_grad(set_to_none=True); LibTorch 1.13's zero_grad() zeroes
  // them): the next backward's AccumulateGrad then takes each new gradient as it is, instead of a
  // pass that zeroes every gradient here and one that adds the new one into it.
  for (auto& p : params) p.mutable_grad().reset();
  return r;
}

}  // namespace bertforge
