// train_step (src/train/train_step.h), the contract the trainer relies on:
// - the loss is normalised by the step's global counts, so 2 micro-batches give the weights and
//   AdamW state of one batch twice the size (masked LM + NSP, and a causal-LM step, whose
//   targets are the next tokens);
// - the update is the gradient of the loss as the docs define it (computed here straight from the
//   model's outputs), clipped to train.clip_norm;
// - a step whose loss is not finite changes nothing: weights, AdamW state and gradients are as
//   before, and the next good step is the one a run that never saw the bad batch takes.
// (Counting skipped steps against train.max_skipped_steps is the trainer's, see
// tests/e2e/train_test.cpp TrainE2E.NonFiniteLossStopsWithTheStepAndKeepsTheLastCheckpoint.)
#include "train/train_step.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "data/causal.h"
#include "train/step_fixture.h"

namespace bertforge {
namespace {

using namespace step_fixture;

Batch causal_view(Batch b) {
  make_causal(&b);
  return b;
}

// Runs `pairs` as steps of 2 micro-batches on one model and as steps of their concatenation on a
// twin; the weights, AdamW state and step metrics agree to float rounding.
void expect_accumulation_is_a_double_batch(const std::vector<std::pair<Batch, Batch>>& pairs,
                                           bool causal, int threads) {
  ModelPtr acc = tiny_model(3), dbl = tiny_model(3);
  auto acc_opt = make_optimizer(*acc, adamw_config()),
       dbl_opt = make_optimizer(*dbl, adamw_config());
  const auto start = weights_of(*acc);
  for (size_t k = 0; k < pairs.size(); ++k) {
    StepSettings s;
    s.step = static_cast<int64_t>(k), s.clip_norm = 1.0, s.causal = causal;
    const auto& [first, second] = pairs[k];
    const StepResult a = step(*acc, *acc_opt, {first, second}, s, threads);
    const StepResult d = step(*dbl, *dbl_opt, {concat(first, second)}, s);
    ASSERT_TRUE(a.updated && d.updated) << "step " << k;
    EXPECT_NEAR(a.metrics.loss, d.metrics.loss, 1e-5 * d.metrics.loss) << "step " << k;
    EXPECT_NEAR(a.metrics.mlm_loss, d.metrics.mlm_loss, 1e-5 * d.metrics.mlm_loss);
    EXPECT_NEAR(a.grad_norm, d.grad_norm, 1e-4 * d.grad_norm) << "step " << k;
    EXPECT_EQ(a.metrics.mlm_count, d.metrics.mlm_count);
    EXPECT_EQ(a.metrics.nsp_count, d.metrics.nsp_count);
    EXPECT_EQ(a.metrics.mlm_correct, d.metrics.mlm_correct);
  }
  // The moments are compared relative to the largest of all parameters; the updates relative to
  // the learning rate (AdamW's update is ~lr x m / sqrt(v), and it divides rounding differences of
  // small gradients by their size). Gradients that are zero but for rounding (the attention key
  // biases': softmax ignores a constant per query) move their weights by noise that AdamW scales
  // up to ~lr: for them only the moments are compared.
  const auto wa = weights_of(*acc), wd = weights_of(*dbl);
  const AdamSnapshot sa = adam_snapshot(*acc_opt, *acc), sd = adam_snapshot(*dbl_opt, *dbl);
  ASSERT_EQ(wa.size(), wd.size());
  double avg_max = 0, sq_max = 0;
  for (size_t i = 0; i < sd.exp_avg.size(); ++i) {
    if (!sd.exp_avg[i].defined()) continue;
    avg_max = std::max(avg_max, sd.exp_avg[i].abs().max().item<double>());
    sq_max = std::max(sq_max, sd.exp_avg_sq[i].abs().max().item<double>());
  }
  const double lr = adamw_config().lr;
  int compared = 0;
  for (size_t i = 0; i < wa.size(); ++i) {
    EXPECT_EQ(sa.steps[i], sd.steps[i]) << "parameter " << i;
    if (!sd.exp_avg[i].defined()) continue;  // no gradient (the NSP head in a causal step)
    EXPECT_EQ(sd.steps[i], static_cast<int64_t>(pairs.size())) << "parameter " << i;
    EXPECT_LT(rel_diff(sa.exp_avg[i], sd.exp_avg[i], 1e-3 * avg_max), 1e-4) << "exp_avg of " << i;
    EXPECT_LT(rel_diff(sa.exp_avg_sq[i], sd.exp_avg_sq[i], 1e-3 * sq_max), 1e-4)
        << "exp_avg_sq of " << i;
    if (sd.exp_avg[i].abs().max().item<double>() < 1e-6 * avg_max) continue;  // rounding only
    EXPECT_LT(rel_diff(wa[i] - start[i], wd[i] - start[i], lr), 1e-2) << "update of " << i;
    ++compared;
  }
  EXPECT_GT(compared, static_cast<int>(wa.size()) / 2);
}

// Micro-batches of very different sizes: a mean per micro-batch would weigh them unlike a mean
// over the whole step.
std::vector<std::pair<Batch, Batch>> uneven_pairs() {
  return {{make_batch({20, 9, 14, 18}, 11), make_batch({6, 5}, 12)},
          {make_batch({13, 5}, 13), make_batch({20, 16, 11, 17, 8}, 14)}};
}

TEST(TrainStep, TwoMicroBatchesEqualOneBatchOfTwiceTheSize) {
  for (int threads : {1, 2}) {
    SCOPED_TRACE(threads);
    expect_accumulation_is_a_double_batch(uneven_pairs(), false, threads);
  }
}

TEST(TrainStep, CausalTwoMicroBatchesEqualOneBatchOfTwiceTheSize) {
  std::vector<std::pair<Batch, Batch>> pairs;
  for (const auto& [a, b] : uneven_pairs()) pairs.emplace_back(causal_view(a), causal_view(b));
  expect_accumulation_is_a_double_batch(pairs, true, 1);
}

// One SGD step at learning rate 1 moves each weight by minus its gradient: train_step's update
// is compared with the gradient of `reference_loss` on the step's batches joined into one.
void expect_update_is_the_reference_gradient(const std::vector<Batch>& micro, StepSettings s,
                                             double clip_scale) {
  ModelPtr model = tiny_model(5), ref = tiny_model(5);
  const Batch whole = concat(micro.at(0), micro.at(1));
  const double want_loss = reference_loss(*ref, whole, s.nsp_weight, s.causal);
  const auto g = grads_of(*ref);
  const auto before = weights_of(*ref);
  double norm2 = 0, largest = 0;
  for (const auto& x : g) {
    norm2 += x.pow(2).sum().item<double>();
    largest = std::max(largest, x.abs().max().item<double>());
  }
  const double norm = std::sqrt(norm2);
  if (clip_scale < 1) s.clip_norm = clip_scale * norm;
  torch::optim::SGD sgd(model->parameters(), torch::optim::SGDOptions(1.0));
  const StepResult r = step(*model, sgd, micro, s);
  ASSERT_TRUE(r.updated);
  EXPECT_NEAR(r.metrics.loss, want_loss, 1e-5 * want_loss);
  EXPECT_NEAR(r.grad_norm, norm, 1e-4 * norm);  // before clipping
  EXPECT_EQ(r.metrics.mlm_count, recount(micro).masked);
  const auto after = weights_of(*model);
  for (size_t i = 0; i < g.size(); ++i)
    EXPECT_LT(rel_diff(before[i] - after[i], clip_scale * g[i], 1e-3 * largest), 1e-3)
        << "parameter " << i;
}

TEST(TrainStep, TheUpdateIsTheGradientOfTheGloballyNormalisedLoss) {
  StepSettings s;
  s.nsp_weight = 0.5;
  expect_update_is_the_reference_gradient({make_batch({20, 9, 14, 18}, 11), make_batch({6, 5}, 12)},
                                          s, 1.0);
}

TEST(TrainStep, ClippingScalesTheGradientToClipNorm) {
  // clip_norm a quarter of the gradient's norm: the update is a quarter of the gradient.
  expect_update_is_the_reference_gradient({make_batch({20, 9, 14}, 21), make_batch({16, 7}, 22)},
                                          StepSettings{}, 0.25);
}

// A causal-LM step's loss is the summed next-token cross-entropy over the step's number of
// targets: an example of n tokens has n - 1 (every token but the last predicts the next one).
TEST(TrainStep, CausalLossNormalisesByTheGlobalNumberOfTargets) {
  const Batch long_rows = causal_view(make_batch({20, 19, 20}, 31));
  const Batch short_rows = causal_view(make_batch({3, 4}, 32));
  EXPECT_EQ(long_rows.num_masked, 19 + 18 + 19);
  EXPECT_EQ(short_rows.num_masked, 2 + 3);
  EXPECT_EQ(recount({long_rows, short_rows}).masked, 61);
  EXPECT_EQ(recount({long_rows, short_rows}).nsp_examples, 0);  // no NSP in a causal step
  StepSettings s;
  s.causal = true;
  expect_update_is_the_reference_gradient({long_rows, short_rows}, s, 1.0);
}

// Every parameter's gradient is zero or absent.
void expect_no_gradients(PreTrainingModel& model) {
  for (auto& p : model.parameters())
    if (p.grad().defined()) EXPECT_EQ(p.grad().abs().sum().item<double>(), 0.0);
}

void expect_same_state(PreTrainingModel& a, torch::optim::Optimizer& oa, PreTrainingModel& b,
                       torch::optim::Optimizer& ob) {
  const auto wa = weights_of(a), wb = weights_of(b);
  const AdamSnapshot sa = adam_snapshot(oa, a), sb = adam_snapshot(ob, b);
  for (size_t i = 0; i < wa.size(); ++i) {
    EXPECT_TRUE(same_bits(wa[i], wb[i])) << "weights of parameter " << i;
    EXPECT_EQ(sa.steps[i], sb.steps[i]) << "parameter " << i;
    ASSERT_EQ(sa.exp_avg[i].defined(), sb.exp_avg[i].defined()) << "parameter " << i;
    if (!sa.exp_avg[i].defined()) continue;
    EXPECT_TRUE(same_bits(sa.exp_avg[i], sb.exp_avg[i])) << "exp_avg of parameter " << i;
    EXPECT_TRUE(same_bits(sa.exp_avg_sq[i], sb.exp_avg_sq[i])) << "exp_avg_sq of " << i;
  }
}

// An infinite NSP weight makes a step's loss infinite (a batch that blows the loss up): the step
// is not taken, and the run goes on as if the batch had never come.
TEST(TrainStep, AnInfiniteLossLeavesWeightsAndOptimizerAlone) {
  ModelPtr model = tiny_model(7), twin = tiny_model(7);
  auto opt = make_optimizer(*model, adamw_config()),
       twin_opt = make_optimizer(*twin, adamw_config());
  const std::vector<Batch> good1{make_batch({20, 9}, 41), make_batch({12, 15}, 42)};
  const std::vector<Batch> bad{make_batch({18, 7}, 43), make_batch({11, 20}, 44)};
  const std::vector<Batch> good2{make_batch({8, 20}, 45), make_batch({14, 10}, 46)};
  ASSERT_TRUE(step(*model, *opt, good1).updated);
  ASSERT_TRUE(step(*twin, *twin_opt, good1).updated);

  StepSettings blow_up;
  blow_up.nsp_weight = std::numeric_limits<double>::infinity();
  const StepResult r = step(*model, *opt, bad, blow_up);
  EXPECT_FALSE(r.updated);
  EXPECT_FALSE(std::isfinite(r.metrics.loss)) << r.metrics.loss;
  expect_no_gradients(*model);
  expect_same_state(*model, *opt, *twin, *twin_opt);  // the twin never saw `bad`

  ASSERT_TRUE(step(*model, *opt, good2).updated);
  ASSERT_TRUE(step(*twin, *twin_opt, good2).updated);
  expect_same_state(*model, *opt, *twin, *twin_opt);
}

// A weight that is already NaN (the [CLS] embedding, which every token attends to): the loss is
// NaN, nothing is updated, the NaN stays where it was and the AdamW state is untouched.
TEST(TrainStep, ANanWeightLeavesWeightsAndOptimizerAlone) {
  ModelPtr model = tiny_model(8);
  auto opt = make_optimizer(*model, adamw_config());
  ASSERT_TRUE(step(*model, *opt, {make_batch({20, 9}, 51), make_batch({12, 15}, 52)}).updated);
  {
    torch::NoGradGuard no_grad;
    model->named_parameters()["bert.embeddings.word_embeddings.weight"][kExampleCls].fill_(
        std::numeric_limits<float>::quiet_NaN());
  }
  const auto before = weights_of(*model);
  const AdamSnapshot state = adam_snapshot(*opt, *model);
  const StepResult r = step(*model, *opt, {make_batch({18, 7}, 53), make_batch({11, 20}, 54)});
  EXPECT_FALSE(r.updated);
  EXPECT_TRUE(std::isnan(r.metrics.loss)) << r.metrics.loss;
  expect_no_gradients(*model);
  const auto after = weights_of(*model);
  const AdamSnapshot state_after = adam_snapshot(*opt, *model);
  for (size_t i = 0; i < before.size(); ++i) {
    EXPECT_TRUE(same_bits(after[i], before[i])) << "weights of parameter " << i;
    EXPECT_EQ(state_after.steps[i], 1) << "parameter " << i;
    EXPECT_TRUE(same_bits(state_after.exp_avg[i], state.exp_avg[i])) << "exp_avg of " << i;
    EXPECT_TRUE(same_bits(state_after.exp_avg_sq[i], state.exp_avg_sq[i])) << "exp_avg_sq " << i;
  }
}

}  // namespace
}  // namespace bertforge
