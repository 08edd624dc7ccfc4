// The resume state (TrainState, checkpoint/checkpoint.h) round-trips through a checkpoint: every
// field a resumed run continues from (loader position, counters, elapsed time, the metric window
// since the last log line, best loss and early-stopping count, the init-from record) reads back
// equal, and so does the AdamW state. Values are chosen so that a field dropped, swapped with
// another or rounded on the way shows.
#include "train/train_state.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "checkpoint/checkpoint.h"
#include "errors/errors.h"
#include "testutil.h"
#include "train/early_stopping.h"
#include "train/metric_window.h"
#include "train/step_fixture.h"

namespace bertforge {
namespace {

using json = nlohmann::json;
using namespace step_fixture;

Window odd_window() {
  Window w;
  w.loss = 1.0 / 3, w.mlm_loss = 2.0 / 7, w.nsp_loss = 0.1 + 0.2, w.mlm_correct = 123;
  w.mlm_count = 456, w.nsp_correct = 17, w.nsp_count = 32, w.steps = 7;
  w.tokens = 98765, w.positions = 131072;
  return w;
}

void expect_same_window(const Window& a, const Window& b) {
  EXPECT_EQ(a.loss, b.loss);
  EXPECT_EQ(a.mlm_loss, b.mlm_loss);
  EXPECT_EQ(a.nsp_loss, b.nsp_loss);
  EXPECT_EQ(a.mlm_correct, b.mlm_correct);
  EXPECT_EQ(a.mlm_count, b.mlm_count);
  EXPECT_EQ(a.nsp_correct, b.nsp_correct);
  EXPECT_EQ(a.nsp_count, b.nsp_count);
  EXPECT_EQ(a.steps, b.steps);
  EXPECT_EQ(a.tokens, b.tokens);
  EXPECT_EQ(a.positions, b.positions);
}

TrainState odd_state() {
  TrainState s;
  s.step = 1234;
  s.loader.epoch = 3, s.loader.step = 17;
  s.elapsed_sec = 1.0 / 3 + 4000;
  s.tokens_seen = int64_t{9876543210123};  // beyond 32 bits
  s.skipped_steps = 2;
  s.window = odd_window().to_json();
  s.last_metrics = {{"step", 1230}, {"loss", 2.0 / 3}};
  s.init_from = {{"path", "/runs/a/final"}, {"checksum", "ab12"}, {"step", 500}};
  s.nsp_head_trained = true;
  s.best.loss = 1.0 / 7, s.best.step = 1200, s.best.evals_without_improvement = 1;
  return s;
}

TEST(TrainState, RoundTripsThroughACheckpoint) {
  testing::TempDir tmp;
  const std::string dir = tmp.file("step-1234"), tok = tmp.file("tok");
  testing::write_text(tok, "tokenizer bytes");
  ModelPtr model = tiny_model(1);
  auto opt = make_optimizer(*model, adamw_config());
  const TrainState saved = odd_state();
  write_checkpoint(dir, model, opt.get(), saved.to_json(), Config{}, tok);

  const TrainState got = TrainState::of(read_checkpoint(dir));
  EXPECT_EQ(got.step, 1234);
  EXPECT_EQ(got.loader.epoch, 3);
  EXPECT_EQ(got.loader.step, 17);
  EXPECT_EQ(got.elapsed_sec, 1.0 / 3 + 4000);
  EXPECT_EQ(got.tokens_seen, int64_t{9876543210123});
  EXPECT_EQ(got.skipped_steps, 2);
  expect_same_window(Window::from_json(got.window), odd_window());
  EXPECT_EQ(got.last_metrics, saved.last_metrics);
  EXPECT_EQ(got.init_from, saved.init_from);
  EXPECT_TRUE(got.nsp_head_trained);
  EXPECT_EQ(got.best.loss, 1.0 / 7);
  EXPECT_EQ(got.best.step, 1200);
  EXPECT_EQ(got.best.evals_without_improvement, 1);
}

// Before the first evaluation there is no best loss, and a final/ model keeps no window: both
// read back as such.
TEST(TrainState, AFreshStateRoundTrips) {
  testing::TempDir tmp;
  const std::string dir = tmp.file("final"), tok = tmp.file("tok");
  testing::write_text(tok, "tokenizer bytes");
  ModelPtr model = tiny_model(1);
  TrainState fresh;
  fresh.best.evals_without_improvement = 2;  // evaluations so far all non-finite
  write_checkpoint(dir, model, nullptr, fresh.to_json(), Config{}, tok);
  const TrainState got = TrainState::of(read_checkpoint(dir));
  EXPECT_EQ(got.step, 0);
  EXPECT_EQ(got.best.step, 0);
  EXPECT_EQ(got.best.evals_without_improvement, 2);
  EXPECT_FALSE(got.best.exhausted(3));
  EXPECT_TRUE(got.best.exhausted(2));
  expect_same_window(Window::from_json(got.window), Window{});
  EXPECT_FALSE(got.nsp_head_trained);
  // A final/ model has no optimizer state to resume from.
  auto opt = make_optimizer(*model, adamw_config());
  EXPECT_THROW(load_optimizer(dir, *opt), InputError);
}

TEST(TrainState, WindowAndBestLossRoundTripThroughJson) {
  const Window w = odd_window();
  expect_same_window(Window::from_json(json::parse(w.to_json().dump())), w);
  expect_same_window(Window::from_json(json::object()), Window{});
  BestLoss b;
  b.loss = 2.0 / 3, b.step = 40, b.evals_without_improvement = 3;
  const BestLoss back = BestLoss::from_json(json::parse(b.to_json().dump()));
  EXPECT_EQ(back.loss, 2.0 / 3);
  EXPECT_EQ(back.step, 40);
  EXPECT_EQ(back.evals_without_improvement, 3);
}

// The AdamW state (step count, both moments of every parameter) loads back bit for bit into a
// fresh optimizer over another model of the same shape, as a resumed run builds it.
TEST(TrainState, OptimizerStateRoundTripsThroughACheckpoint) {
  testing::TempDir tmp;
  const std::string dir = tmp.file("step-2"), tok = tmp.file("tok");
  testing::write_text(tok, "tokenizer bytes");
  ModelPtr model = tiny_model(4), resumed = tiny_model(9);
  auto opt = make_optimizer(*model, adamw_config());
  for (uint64_t seed : {61, 62})
    ASSERT_TRUE(
        step(*model, *opt, {make_batch({20, 9}, seed), make_batch({12, 5}, seed + 9)}).updated);
  TrainState s;
  s.step = 2;
  write_checkpoint(dir, model, opt.get(), s.to_json(), Config{}, tok);

  auto resumed_opt = make_optimizer(*resumed, adamw_config());
  load_optimizer(dir, *resumed_opt);
  const AdamSnapshot want = adam_snapshot(*opt, *model),
                     got = adam_snapshot(*resumed_opt, *resumed);
  ASSERT_EQ(got.steps.size(), want.steps.size());
  for (size_t i = 0; i < want.steps.size(); ++i) {
    EXPECT_EQ(want.steps[i], 2) << "parameter " << i;
    EXPECT_EQ(got.steps[i], 2) << "parameter " << i;
    ASSERT_TRUE(got.exp_avg[i].defined()) << "parameter " << i;
    EXPECT_TRUE(same_bits(got.exp_avg[i], want.exp_avg[i])) << "exp_avg of parameter " << i;
    EXPECT_TRUE(same_bits(got.exp_avg_sq[i], want.exp_avg_sq[i])) << "exp_avg_sq of " << i;
  }
}

}  // namespace
}  // namespace bertforge
