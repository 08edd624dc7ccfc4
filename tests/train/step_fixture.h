// What the train_step tests share: a tiny model and its twins, batches joined into one, the
// counts of a step recounted from the batches' arrays, the loss as the docs define it computed
// directly on the model (the reference), and comparisons of weights and AdamW state.
#pragma once

#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <sstream>
#include <string>
#include <type_traits>
#include <vector>

#include "config/config.h"
#include "data/batch.h"
#include "distributed/distributed.h"
#include "model/example_batch.h"
#include "model/model.h"
#include "optim/optimizer.h"
#include "train/batch_parallel.h"
#include "train/batch_tensors.h"
#include "train/train_step.h"

namespace bertforge::step_fixture {

// A BERT small enough for a step in milliseconds; no dropout, so that the same data gives the
// same gradients whichever way it is cut into micro-batches.
inline ModelPtr tiny_model(uint64_t seed) {
  ModelShape s;
  s.vocab_size = kExampleVocab, s.hidden = 32, s.layers = 2, s.heads = 2, s.intermediate = 48;
  s.max_position = 64, s.dropout = 0, s.attention_dropout = 0;
  ModelPtr m = make_model(s);
  m->init_weights(at::make_generator<at::CPUGeneratorImpl>(seed));
  m->train();
  return m;
}

inline TrainConfig adamw_config() {
  TrainConfig t;
  t.lr = 1e-3, t.weight_decay = 0.01, t.beta1 = 0.9, t.beta2 = 0.999, t.eps = 1e-6;
  return t;
}

// The rows of `b` after those of `a` (unpacked batches), padded to the longer of the two.
inline Batch concat(const Batch& a, const Batch& b) {
  TORCH_CHECK(!a.packed() && !b.packed(), "concat: packed batches");
  Batch c;
  c.seq_len = std::max(a.seq_len, b.seq_len);
  for (const Batch* x : {&a, &b}) {
    const auto T = static_cast<size_t>(x->seq_len), pad = static_cast<size_t>(c.seq_len) - T;
    for (size_t row = 0; row < static_cast<size_t>(x->batch_size); ++row) {
      auto append = [&](auto& to, const auto& from, auto fill) {
        to.insert(to.end(), from.begin() + row * T, from.begin() + (row + 1) * T);
        to.insert(to.end(), pad, fill);
      };
      append(c.input_ids, x->input_ids, kExamplePad),
          append(c.token_type_ids, x->token_type_ids, 0);
      append(c.attention_mask, x->attention_mask, uint8_t{0});
      append(c.mlm_labels, x->mlm_labels, kIgnoreLabel);
    }
    c.nsp_labels.insert(c.nsp_labels.end(), x->nsp_labels.begin(), x->nsp_labels.end());
    for (int64_t id : x->example_ids) c.example_ids.push_back(c.batch_size + id);
    c.batch_size += x->batch_size, c.num_real_tokens += x->num_real_tokens;
    c.num_masked += x->num_masked;
  }
  return c;
}

// The counts of `micro`, recounted from their arrays (labels, NSP labels, attention mask).
inline StepCounts recount(const std::vector<Batch>& micro) {
  StepCounts c;
  for (const Batch& b : micro) {
    for (int32_t l : b.mlm_labels) c.masked += l != kIgnoreLabel;
    for (int32_t l : b.nsp_labels) c.nsp_examples += l != kIgnoreLabel;
    for (uint8_t m : b.attention_mask) c.real_tokens += m;
    c.positions += static_cast<double>(b.mlm_labels.size());
  }
  return c;
}

inline StepBatches step_batches(const std::vector<Batch>& micro) {
  StepBatches s;
  s.micro = micro;
  s.local = recount(micro);
  return s;
}

// One train_step on a single process, the batches split over `threads` threads.
inline StepResult step(PreTrainingModel& model, torch::optim::Optimizer& opt,
                       const std::vector<Batch>& micro, StepSettings s = {}, int threads = 1) {
  Distributed dist(DistEnv{}, torch::kCPU, 10);
  BatchParallel workers(model, threads);
  auto params = model.parameters();
  std::vector<char> reached;
  const StepBatches batches = step_batches(micro);
  return train_step(workers, opt, params, reached, batches, batches.local, s, dist);
}

// The loss of one batch as docs and loss.h define it, straight from the model's outputs: the
// summed cross-entropy of the targets over their number, plus `nsp_weight` x the summed NSP
// cross-entropy over the number of examples with an NSP label. Backpropagates it; returns it.
inline double reference_loss(PreTrainingModel& model, const Batch& b, double nsp_weight,
                             bool causal) {
  namespace F = torch::nn::functional;
  model.zero_grad();
  BatchTensors t = to_tensors(b, torch::kCPU);
  t.packed.causal = causal;
  auto out = model.forward(t.input_ids, t.token_type_ids, t.attention_mask, t.positions, t.packed);
  const StepCounts n = recount({b});
  auto sum = F::CrossEntropyFuncOptions().reduction(torch::kSum);
  auto loss = F::cross_entropy(out.mlm_logits, t.mlm_labels, sum) / n.masked;
  if (n.nsp_examples > 0)
    loss = loss + nsp_weight * F::cross_entropy(out.nsp_logits, t.nsp_labels, sum) / n.nsp_examples;
  loss.backward();
  return loss.item<double>();
}

// Each parameter's gradient (zeros where it has none).
inline std::vector<torch::Tensor> grads_of(PreTrainingModel& model) {
  std::vector<torch::Tensor> g;
  for (auto& p : model.parameters())
    g.push_back(p.grad().defined() ? p.grad().clone() : torch::zeros_like(p));
  return g;
}

inline std::vector<torch::Tensor> weights_of(PreTrainingModel& model) {
  std::vector<torch::Tensor> w;
  for (auto& p : model.parameters()) w.push_back(p.detach().clone());
  return w;
}

// max |a - b| over max |b| (or `floor` when that is larger).
inline double rel_diff(const torch::Tensor& a, const torch::Tensor& b, double floor = 1e-12) {
  return (a - b).abs().max().item<double>() / std::max(b.abs().max().item<double>(), floor);
}

// Bit for bit, NaN included.
inline bool same_bits(const torch::Tensor& a, const torch::Tensor& b) {
  return a.sizes() == b.sizes() &&
         torch::equal(a.contiguous().view(torch::kInt32), b.contiguous().view(torch::kInt32));
}

// AdamW's state of parameter `p` (null when it has none): LibTorch 1.x keys it by the TensorImpl
// address printed as a string, 2.x by the address itself.
template <class Map>
const torch::optim::AdamWParamState* adam_state(const Map& state, const torch::Tensor& p) {
  using Key = typename Map::key_type;
  Key key;
  if constexpr (std::is_same_v<Key, std::string>) {
    std::ostringstream s;
    s << p.unsafeGetTensorImpl();
    key = s.str();
  } else {
    key = static_cast<Key>(p.unsafeGetTensorImpl());
  }
  auto it = state.find(key);
  return it == state.end() ? nullptr
                           : static_cast<const torch::optim::AdamWParamState*>(it->second.get());
}

// A copy of every parameter's AdamW state: step, exp_avg, exp_avg_sq (empty without state).
struct AdamSnapshot {
  std::vector<int64_t> steps;
  std::vector<torch::Tensor> exp_avg, exp_avg_sq;
};

inline AdamSnapshot adam_snapshot(torch::optim::Optimizer& opt, PreTrainingModel& model) {
  AdamSnapshot s;
  for (auto& p : model.parameters()) {
    const auto* st = adam_state(opt.state(), p);
    s.steps.push_back(st ? st->step() : 0);
    s.exp_avg.push_back(st ? st->exp_avg().clone() : torch::Tensor());
    s.exp_avg_sq.push_back(st ? st->exp_avg_sq().clone() : torch::Tensor());
  }
  return s;
}

}  // namespace bertforge::step_fixture
