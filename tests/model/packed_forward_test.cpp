// A packed batch (data.pack) is the same computation as its examples unpacked: per masked token
// MLM losses, per example NSP losses and every parameter's gradient agree to float rounding, for
// both architectures (data/packing.h lays out the batch; the models read its PackedLayout). The
// same holds for the causal-LM view of a batch (data/causal.h) under causal attention, and there a
// token's scores do not depend on the tokens after it.
#include <gtest/gtest.h>

#include <map>
#include <utility>
#include <vector>

#include "data/batch.h"
#include "data/causal.h"
#include "data/packing.h"
#include "model/bert.h"
#include "model/example_batch.h"
#include "model/modernbert.h"
#include "runtime/random.h"
#include "train/batch_tensors.h"

namespace bertforge {
namespace {

constexpr int32_t kPad = kExamplePad;

struct Result {
  std::map<std::pair<int64_t, int64_t>, double> mlm;  // (example, position) -> loss
  std::vector<double> nsp;                            // per example
  std::vector<torch::Tensor> grads;                   // per parameter
};

// Per token and per example losses of `b`, and the gradients of their sum.
Result run(PreTrainingModel& model, const Batch& b, const PackedLayout* override_layout = nullptr,
           bool causal = false) {
  namespace F = torch::nn::functional;
  model.zero_grad();
  BatchTensors t = to_tensors(b, torch::kCPU);
  if (override_layout) t.packed = *override_layout;
  t.packed.causal = causal;
  auto out = model.forward(t.input_ids, t.token_type_ids, t.attention_mask, t.positions, t.packed);
  auto none = F::CrossEntropyFuncOptions().reduction(torch::kNone);
  auto mlm = F::cross_entropy(out.mlm_logits, t.mlm_labels, none);  // (M)
  auto loss = mlm.sum();
  Result r;
  const auto pos = t.positions.accessor<int64_t, 1>();
  for (int64_t j = 0; j < pos.size(0); ++j) {
    const auto flat = static_cast<size_t>(pos[j]);
    const int64_t ex = b.packed() ? b.segment_ids[flat] : pos[j] / b.seq_len;
    const int64_t p = b.packed() ? b.position_ids[flat] : pos[j] % b.seq_len;
    r.mlm[{ex, p}] = mlm[j].item<double>();
  }
  if (out.nsp_logits.defined() && t.nsp_labels.defined()) {
    auto nsp = F::cross_entropy(out.nsp_logits, t.nsp_labels, none);  // (B)
    loss = loss + nsp.sum();
    for (int64_t i = 0; i < nsp.size(0); ++i) r.nsp.push_back(nsp[i].item<double>());
  }
  loss.backward();
  for (auto& p : model.parameters())  // the NSP head has none in a causal-LM step
    r.grads.push_back(p.grad().defined() ? p.grad().clone() : torch::zeros_like(p));
  return r;
}

// Largest |a - b| relative to the largest |b| of the tensor, or to `floor` when that is larger
// (a gradient that is zero but for rounding, such as the attention key bias').
double rel_diff(const torch::Tensor& a, const torch::Tensor& b, double floor) {
  return (a - b).abs().max().item<double>() / std::max(b.abs().max().item<double>(), floor);
}

void expect_same(const Result& packed, const Result& plain, double tol) {
  ASSERT_EQ(packed.mlm.size(), plain.mlm.size());
  for (const auto& [key, loss] : plain.mlm) {
    ASSERT_TRUE(packed.mlm.count(key)) << key.first << ":" << key.second;
    EXPECT_NEAR(packed.mlm.at(key), loss, tol * std::abs(loss)) << key.first << ":" << key.second;
  }
  ASSERT_EQ(packed.nsp.size(), plain.nsp.size());
  for (size_t i = 0; i < plain.nsp.size(); ++i)
    EXPECT_NEAR(packed.nsp[i], plain.nsp[i], tol * std::abs(plain.nsp[i])) << i;
  ASSERT_EQ(packed.grads.size(), plain.grads.size());
  double largest = 0;
  for (const auto& g : plain.grads) largest = std::max(largest, g.abs().max().item<double>());
  for (size_t i = 0; i < plain.grads.size(); ++i)
    EXPECT_LE(rel_diff(packed.grads[i], plain.grads[i], 1e-3 * largest), tol)
        << "parameter " << i << " max " << plain.grads[i].abs().max().item<double>();
}

ModelShape shape(const std::string& architecture) {
  ModelShape s;
  s.architecture = architecture;
  s.vocab_size = kExampleVocab, s.hidden = 32, s.layers = 3, s.heads = 2, s.intermediate = 48;
  s.max_position = 64, s.dropout = 0, s.attention_dropout = 0;
  s.initializer_range = 0.1;  // weights large enough for attention to matter
  s.global_attn_every_n_layers = 2,
  s.local_attention = 8;  // modernbert: layers 0 and 2 global, 1 local
  return s;
}

// Packed and unpacked agree; the packed layout with every row one example (no block mask, one
// position sequence per row) does not: cross-contamination would show.
void check_architecture(const std::string& architecture) {
  ModelPtr model = make_model(shape(architecture));
  model->init_weights(at::make_generator<at::CPUGeneratorImpl>(11));
  model->train();
  const Batch plain = make_batch({20, 12, 7, 9, 5, 17}, 3);
  const Batch packed = pack_batch(plain, 24, kPad);
  ASSERT_EQ(packed.rows(), 4);  // {20}, {17, 7}, {12, 9}, {5}: 96 positions for 120
  const Result a = run(*model, plain), b = run(*model, packed);
  EXPECT_GT(a.mlm.size(), 10u);
  expect_same(b, a, 1e-5);

  BatchTensors t = to_tensors(packed, torch::kCPU);
  PackedLayout leaky = t.packed;
  leaky.segment_ids = t.attention_mask - 1;  // 0 on every real token: one segment per row
  leaky.position_ids = torch::arange(packed.seq_len, torch::kInt64).expand({packed.rows(), -1});
  const Result c = run(*model, packed, &leaky);
  double worst = 0;
  for (const auto& [key, loss] : a.mlm) worst = std::max(worst, std::abs(c.mlm.at(key) - loss));
  EXPECT_GT(worst, 1e-3) << "attention across examples changes the losses";
}

TEST(PackedForward, BertSameLossesAndGradients) { check_architecture("bert"); }

TEST(PackedForward, ModernBertSameLossesAndGradients) { check_architecture("modernbert"); }

// The causal view of the packed batch (its own example boundaries) and of the plain one give the
// same next-token losses and gradients under causal attention; without the causal mask they do
// not (a token would see the one it predicts).
void check_causal(const std::string& architecture) {
  ModelPtr model = make_model(shape(architecture));
  model->init_weights(at::make_generator<at::CPUGeneratorImpl>(13));
  model->train();
  Batch plain = make_batch({20, 12, 7, 9, 5, 17}, 5);
  Batch packed = pack_batch(plain, 24, kPad);
  make_causal(&plain), make_causal(&packed);
  EXPECT_EQ(plain.num_masked, 20 + 12 + 7 + 9 + 5 + 17 - 6);  // every token but the last
  EXPECT_EQ(packed.num_masked, plain.num_masked);
  const Result a = run(*model, plain, nullptr, true), b = run(*model, packed, nullptr, true);
  expect_same(b, a, 1e-5);
  const Result open = run(*model, plain, nullptr, false);
  double worst = 0;
  for (const auto& [key, loss] : a.mlm) worst = std::max(worst, std::abs(open.mlm.at(key) - loss));
  EXPECT_GT(worst, 1e-3) << "bidirectional attention sees the next token";
}

TEST(CausalForward, BertPackedEqualsUnpacked) { check_causal("bert"); }

TEST(CausalForward, ModernBertPackedEqualsUnpacked) { check_causal("modernbert"); }

// Scores at positions < 8 are the same whatever the tokens from position 8 on.
void check_prefix(const std::string& architecture) {
  ModelPtr model = make_model(shape(architecture));
  model->init_weights(at::make_generator<at::CPUGeneratorImpl>(17));
  model->eval();
  torch::NoGradGuard no_grad;
  auto ids = torch::randint(5, kExampleVocab, {2, 16}, torch::kInt64);
  auto changed = ids.clone();
  changed.slice(1, 8) = torch::randint(5, kExampleVocab, {2, 8}, torch::kInt64);
  PackedLayout causal;
  causal.causal = true;
  auto all = torch::arange(32, torch::kInt64);
  auto scores = [&](const torch::Tensor& x, const PackedLayout& layout) {
    return model->forward(x, torch::zeros_like(x), torch::ones_like(x), all, layout)
        .mlm_logits.view({2, 16, -1});
  };
  auto a = scores(ids, causal), b = scores(changed, causal);
  EXPECT_LT((a.slice(1, 0, 8) - b.slice(1, 0, 8)).abs().max().item<double>(), 1e-5);
  EXPECT_GT((a.slice(1, 8) - b.slice(1, 8)).abs().max().item<double>(), 1e-3);
  auto c = scores(ids, PackedLayout{}), d = scores(changed, PackedLayout{});
  EXPECT_GT((c.slice(1, 0, 8) - d.slice(1, 0, 8)).abs().max().item<double>(), 1e-3);
}

TEST(CausalForward, BertLaterTokensDoNotChangeEarlierScores) { check_prefix("bert"); }

TEST(CausalForward, ModernBertLaterTokensDoNotChangeEarlierScores) { check_prefix("modernbert"); }

}  // namespace
}  // namespace bertforge
