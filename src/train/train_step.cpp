#include "train/train_step.h"

#include <ATen/core/Generator.h>

#include <cmath>
#include <mutex>

#include "common/random.h"
#include "dist/distributed.h"
#include "dist/runtime.h"
#include "train/batch_tensors.h"
#include "train/loss.h"

namespace bertforge {

namespace {
constexpr uint64_t kDropoutStream = 12;  // purpose of the derived random stream

// Dropout draws from the device's generator, reseeded at every micro-step from (seed, step, micro,
// rank): a pure function of the position in the run, so resuming needs no generator state.
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

StepBatches next_step_batches(Loader& loader, int accum) {
  StepBatches s;
  s.before = loader.position();
  s.micro.resize(accum);
  for (auto& b : s.micro) {
    b = loader.next();
    s.local.masked += b.num_masked;
    const bool nsp = !b.nsp_labels.empty() && b.nsp_labels[0] != kIgnoreLabel;
    s.local.nsp_examples += nsp ? b.batch_size : 0;
    s.local.real_tokens += b.num_real_tokens;
    s.local.positions += double(b.rows()) * b.seq_len;
  }
  return s;
}

StepResult train_step(PreTrainingModel& model, torch::optim::Optimizer& optimizer,
                      std::vector<torch::Tensor>& params, const StepBatches& batches,
                      const StepCounts& global, const StepSettings& s, Distributed& dist) {
  StepMetrics local;
  for (size_t i = 0; i < batches.micro.size(); ++i) {
    reseed_dropout(s.device, s.seed, s.step, static_cast<int>(i), dist.rank());
    BatchTensors t = to_tensors(batches.micro[i], s.device);
    LossParts parts;
    {
      AutocastGuard autocast(s.device, s.precision);
      auto out =
          model.forward(t.input_ids, t.token_type_ids, t.attention_mask, t.positions, t.packed);
      parts = pretraining_loss(out.mlm_logits, t.mlm_labels, out.nsp_logits, t.nsp_labels,
                               s.nsp_weight, global.masked, global.nsp_examples);
    }
    parts.loss.backward();
    local.loss += parts.loss.item<double>();
    local.mlm_loss += parts.mlm_loss.item<double>();
    local.nsp_loss += parts.nsp_loss.item<double>();
    local.mlm_correct += parts.mlm_correct, local.mlm_count += parts.mlm_count;
    local.nsp_correct += parts.nsp_correct, local.nsp_count += parts.nsp_count;
  }
  std::vector<torch::Tensor> grads;
  for (auto& p : params)
    if (p.grad().defined()) grads.push_back(p.grad());
  dist.all_reduce_sum(grads);
  StepResult r;
  r.metrics = from_vector(dist.all_reduce_sum(as_vector(local)));
  r.grad_norm = torch::nn::utils::clip_grad_norm_(params, s.clip_norm > 0 ? s.clip_norm : INFINITY);
  r.updated = std::isfinite(r.metrics.loss) && std::isfinite(r.grad_norm);
  if (r.updated) optimizer.step();
  optimizer.zero_grad();
  return r;
}

}  // namespace bertforge
