// End-to-end: `bertforge tokenizer/prepare/train/evaluate/fill-mask/pipeline` on a tiny corpus.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <thread>

#include "e2e/train_fixture.h"

namespace bertforge::testing {
namespace {
namespace stdfs = std::filesystem;

void prepare(const TinyRun& r) {
  auto t = r.run("tokenizer");
  ASSERT_EQ(t.exit_code, 0) << t.output;
  auto p = r.run("prepare");
  ASSERT_EQ(p.exit_code, 0) << p.output;
}

// The final model's weights, as the bytes of its safetensors export (raw tensor data and a header
// of names, shapes and offsets). Empty when the export fails.
std::string final_weights(const TinyRun& r) {
  auto e = run_bertforge("export --checkpoint " + r.run_dir + "/final --out " + r.dir.file("hf"));
  EXPECT_EQ(e.exit_code, 0) << e.output;
  return e.exit_code == 0 ? read_text(r.dir.file("hf/model.safetensors")) : "";
}

// Two runs that must be the same: identical logged steps, losses and evaluations, and
// byte-identical final weights.
void expect_same_run(const TinyRun& a, const TinyRun& b) {
  for (const char* k : {"step", "loss", "mlm_loss", "nsp_loss"})
    EXPECT_EQ(jsonl_field(a.run_dir + "/logs/train.jsonl", k),
              jsonl_field(b.run_dir + "/logs/train.jsonl", k))
        << k;
  EXPECT_EQ(jsonl_field(a.run_dir + "/logs/eval.jsonl", "mlm_loss"),
            jsonl_field(b.run_dir + "/logs/eval.jsonl", "mlm_loss"));
  EXPECT_TRUE(final_weights(a) == final_weights(b));
}

TEST(TrainE2E, LowersLossAndWritesCompleteCheckpoints) {
  TinyRun r(300, 0, 40);
  prepare(r);
  auto t = r.run("train", "--set train.lr=0.01");
  ASSERT_EQ(t.exit_code, 0) << t.output;
  auto loss = jsonl_field(r.run_dir + "/logs/train.jsonl", "loss");
  ASSERT_EQ(loss.size(), 8u);  // every 5 of 40 steps
  EXPECT_LT(loss.back(), loss.front() - 0.25)
      << "first " << loss.front() << " last " << loss.back();
  auto eval_steps = jsonl_field(r.run_dir + "/logs/eval.jsonl", "step");
  EXPECT_EQ(eval_steps, (std::vector<double>{20, 40}));
  // keep_last 3 of 10, 20, 30, 40; `latest` names the newest.
  for (int s : {20, 30, 40})
    EXPECT_TRUE(stdfs::exists(r.run_dir + "/checkpoints/step-" + std::to_string(s)));
  EXPECT_FALSE(stdfs::exists(r.run_dir + "/checkpoints/step-10"));
  EXPECT_EQ(read_text(r.run_dir + "/checkpoints/latest"), "step-40\n");
  const std::string c = r.run_dir + "/checkpoints/step-40/";
  for (const char* f : {"model.safetensors", "optimizer.pt", "tokenizer.model", "config.json",
                        "state.json", "DONE"})
    EXPECT_TRUE(stdfs::exists(c + f)) << f;
  auto state = nlohmann::json::parse(read_text(c + "state.json"));
  EXPECT_EQ(state["step"], 40);
  EXPECT_TRUE(state["loader"].contains("epoch"));
  EXPECT_EQ(state["shape"]["hidden"], 32);
  EXPECT_EQ(state["tokenizer_checksum"].get<std::string>().size(), 64u);
  EXPECT_TRUE(stdfs::exists(r.run_dir + "/final/model.safetensors"));
  // best/ holds the model of the evaluation with the lowest validation MLM loss.
  auto eval_loss = jsonl_field(r.run_dir + "/logs/eval.jsonl", "mlm_loss");
  const size_t argmin = std::min_element(eval_loss.begin(), eval_loss.end()) - eval_loss.begin();
  auto best = nlohmann::json::parse(read_text(r.run_dir + "/best/state.json"));
  EXPECT_EQ(best["step"].get<double>(), eval_steps[argmin]);
  EXPECT_DOUBLE_EQ(best["best"]["mlm_loss"].get<double>(), eval_loss[argmin]);
  EXPECT_TRUE(stdfs::exists(r.run_dir + "/best/model.safetensors"));
  EXPECT_FALSE(stdfs::exists(r.run_dir + "/best/optimizer.pt"));
  // Every train.jsonl line has the contract's fields.
  auto line =
      nlohmann::json::parse(read_text(r.run_dir + "/logs/train.jsonl")
                                .substr(0, read_text(r.run_dir + "/logs/train.jsonl").find('\n')));
  for (const char* k : {"step", "epoch", "loss", "mlm_loss", "nsp_loss", "mlm_accuracy", "lr",
                        "grad_norm", "tokens_per_sec", "elapsed_sec"})
    EXPECT_TRUE(line.contains(k)) << k;
}

TEST(TrainE2E, KillNineThenResumeIsBitIdentical) {
  TinyRun a(300, 0, 200), b(300, 0, 200);
  prepare(a);
  prepare(b);
  ASSERT_EQ(a.run("train").exit_code, 0);
  // Run b in the background and kill -9 it once a checkpoint past step 20 exists.
  std::string cmd = bertforge_bin() + " train --config " + b.config + " > " + b.dir.file("log") +
                    " 2>&1 & echo $!";
  FILE* p = ::popen(cmd.c_str(), "r");
  int pid = 0;
  ASSERT_EQ(std::fscanf(p, "%d", &pid), 1);
  ::pclose(p);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (!stdfs::exists(b.run_dir + "/checkpoints/step-30/DONE") &&
         std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  ::kill(pid, SIGKILL);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  ASSERT_FALSE(stdfs::exists(b.run_dir + "/final/DONE")) << "the run finished before it was killed";
  auto res = b.run("train", "--resume auto");
  ASSERT_EQ(res.exit_code, 0) << res.output;
  EXPECT_NE(res.output.find("resumed from"), std::string::npos) << res.output;
  // Identical logged losses and bit-identical final weights.
  expect_same_run(a, b);
}

TEST(TrainE2E, CorruptCheckpointIsRefusedAndAutoFallsBack) {
  TinyRun r(300, 0, 30);
  prepare(r);
  ASSERT_EQ(r.run("train").exit_code, 0);
  // Corrupt the newest checkpoint's weights.
  std::string newest = r.run_dir + "/checkpoints/step-30";
  std::string bytes = read_text(newest + "/model.safetensors");
  bytes[bytes.size() / 2] ^= 0x55;
  write_text(newest + "/model.safetensors", bytes);
  auto explicit_path = r.run("train", "--resume " + newest + " --set train.steps=40");
  EXPECT_EQ(explicit_path.exit_code, 1);
  EXPECT_NE(explicit_path.output.find("corrupt"), std::string::npos) << explicit_path.output;
  auto fallback = r.run("train", "--resume auto --set train.steps=40");
  ASSERT_EQ(fallback.exit_code, 0) << fallback.output;
  EXPECT_NE(fallback.output.find("resumed from " + r.run_dir + "/checkpoints/step-20"),
            std::string::npos)
      << fallback.output;
  // A checkpoint without DONE (interrupted save) is not a checkpoint.
  stdfs::remove(r.run_dir + "/checkpoints/step-40/DONE");
  auto no_done = r.run("train", "--resume " + r.run_dir + "/checkpoints/step-40");
  EXPECT_EQ(no_done.exit_code, 1);
  EXPECT_NE(no_done.output.find("DONE"), std::string::npos) << no_done.output;
}

TEST(TrainE2E, ResumeWithAnotherShapeIsRefused) {
  TinyRun r(300, 0, 10);
  prepare(r);
  ASSERT_EQ(r.run("train").exit_code, 0);
  auto res = r.run("train", "--resume auto --set model.hidden=64 --set train.steps=20");
  EXPECT_EQ(res.exit_code, 2);
  EXPECT_NE(res.output.find("hidden 32 vs 64"), std::string::npos) << res.output;
}

TEST(TrainE2E, Bf16AutocastTrains) {
  TinyRun r(300, 0, 20);
  prepare(r);
  auto t = r.run("train", "--set train.precision=bf16 --set train.lr=0.01");
  ASSERT_EQ(t.exit_code, 0) << t.output;
  auto loss = jsonl_field(r.run_dir + "/logs/train.jsonl", "loss");
  ASSERT_EQ(loss.size(), 4u);
  for (double l : loss) EXPECT_TRUE(std::isfinite(l));
  EXPECT_LT(loss.back(), loss.front());
}

// train.precision defaults to auto: bf16 where the CPU has bf16 instructions (as here), said at
// start; over a short run its validation loss stays within 2% of fp32's (README Performance).
TEST(TrainE2E, DefaultPrecisionIsAutoWithinToleranceOfFp32) {
  TinyRun a(300, 0, 40), f(300, 0, 40);
  prepare(a), prepare(f);
  const std::string evals = "--set train.eval_every=40 --set train.eval_batches=0 ";
  auto ta = a.run("train", evals);
  ASSERT_EQ(ta.exit_code, 0) << ta.output;
  const bool bf16 = ta.output.find("precision auto -> bf16 (") != std::string::npos;
  EXPECT_TRUE(bf16 || ta.output.find("precision auto -> fp32 (") != std::string::npos) << ta.output;
  auto tf = f.run("train", evals + "--set train.precision=fp32");
  ASSERT_EQ(tf.exit_code, 0) << tf.output;
  EXPECT_NE(tf.output.find("precision fp32"), std::string::npos) << tf.output;
  const double la = jsonl_field(a.run_dir + "/logs/eval.jsonl", "mlm_loss").back();
  const double lf = jsonl_field(f.run_dir + "/logs/eval.jsonl", "mlm_loss").back();
  EXPECT_NEAR(la, lf, 0.02 * lf) << (bf16 ? "bf16" : "fp32") << " vs fp32";
}

TEST(TrainE2E, NonFiniteLossStopsWithTheStepAndKeepsTheLastCheckpoint) {
  TinyRun r(300, 0, 10);
  prepare(r);
  ASSERT_EQ(r.run("train").exit_code, 0);
  // Continue at an absurd learning rate: the weights blow up and the loss stops being finite.
  auto t = r.run(
      "train", "--resume auto --set train.steps=30 --set train.lr=1e30 --set train.warmup_steps=0");
  EXPECT_EQ(t.exit_code, 1) << t.output;
  EXPECT_NE(t.output.find("non-finite loss at step 1"), std::string::npos) << t.output;
  EXPECT_NE(t.output.find("the last good checkpoint is " + r.run_dir + "/checkpoints/step-10"),
            std::string::npos)
      << t.output;
  EXPECT_TRUE(stdfs::exists(r.run_dir + "/checkpoints/step-10/DONE"));
  // With skipping allowed, the bad batches are skipped and counted.
  auto skip = r.run("train",
                    "--resume auto --set train.steps=12 --set train.lr=1e30 --set "
                    "train.warmup_steps=0 --set train.max_skipped_steps=5");
  EXPECT_EQ(skip.exit_code, 0) << skip.output;
  size_t skipped = 0;
  for (size_t at = skip.output.find("batch skipped"); at != std::string::npos;
       at = skip.output.find("batch skipped", at + 1))
    ++skipped;
  EXPECT_GE(skipped, 1u) << skip.output;
  // Every skipped batch is counted in the run's state (what a resumed run's allowance starts from).
  auto final_state = nlohmann::json::parse(read_text(r.run_dir + "/final/state.json"));
  EXPECT_EQ(final_state["skipped_steps"], skipped) << skip.output;
  EXPECT_EQ(final_state["step"], 12);
}

TEST(TrainE2E, EarlyStoppingStopsSavesAndStaysStoppedOnResume) {
  // A learning rate of 1e-9 leaves the validation loss flat: no evaluation after the first one
  // improves by more than min_delta, so the run stops after `early_stopping` evaluations.
  TinyRun r(300, 0, 200);
  prepare(r);
  const std::string flat =
      "--set train.lr=1e-9 --set train.eval_every=10 --set train.early_stopping_min_delta=0.01 ";
  // log_every 25: the stop at step 30 is not a log step, and still ends the log with its line.
  auto t = r.run("train", flat + "--set train.early_stopping=2 --set train.log_every=25");
  ASSERT_EQ(t.exit_code, 0) << t.output;
  EXPECT_NE(t.output.find("early stopping at step 30: no lower validation mlm_loss in 2 "
                          "evaluations (best "),
            std::string::npos)
      << t.output;
  EXPECT_EQ(jsonl_field(r.run_dir + "/logs/eval.jsonl", "step"), (std::vector<double>{10, 20, 30}));
  EXPECT_EQ(jsonl_field(r.run_dir + "/logs/train.jsonl", "step"), (std::vector<double>{25, 30}));
  EXPECT_TRUE(stdfs::exists(r.run_dir + "/checkpoints/step-30/DONE"));  // saved where it stopped
  auto final_state = nlohmann::json::parse(read_text(r.run_dir + "/final/state.json"));
  EXPECT_EQ(final_state["step"], 30);
  EXPECT_EQ(final_state["best"]["step"], 10);
  EXPECT_EQ(final_state["best"]["evals_without_improvement"], 2);
  EXPECT_EQ(nlohmann::json::parse(read_text(r.run_dir + "/best/state.json"))["step"], 10);

  // Resuming the stopped run does nothing; a larger patience continues it from the saved count.
  auto again = r.run("train", flat + "--set train.early_stopping=2 --resume auto");
  ASSERT_EQ(again.exit_code, 0) << again.output;
  EXPECT_NE(again.output.find("already at step 30 of 200 (stopped early"), std::string::npos)
      << again.output;
  auto more = r.run("train", flat + "--set train.early_stopping=3 --resume auto");
  ASSERT_EQ(more.exit_code, 0) << more.output;
  EXPECT_NE(more.output.find("early stopping at step 40"), std::string::npos) << more.output;

  // Without validation data there is nothing to stop on: refused as a config error.
  TinyRun nv(300, 0, 20);
  const std::string no_valid = "--set data.valid_fraction=0 ";
  ASSERT_EQ(nv.run("tokenizer", no_valid).exit_code, 0);
  ASSERT_EQ(nv.run("prepare", no_valid).exit_code, 0);
  auto refused = nv.run("train", no_valid + "--set train.early_stopping=1");
  EXPECT_EQ(refused.exit_code, 2) << refused.output;
  EXPECT_NE(refused.output.find("train.early_stopping: needs validation data"), std::string::npos)
      << refused.output;
}

TEST(TrainE2E, SaveEveryMinutesCheckpointsBetweenStepMultiples) {
  // save_every 0 saves only at the end; a time limit of ~1 ms also saves every step or two (the
  // limit is checked as a step starts, the clock restarts when a save ends).
  TinyRun r(300, 0, 7);
  prepare(r);
  auto t = r.run("train", "--set train.save_every=0 --set train.save_every_minutes=0.00002");
  ASSERT_EQ(t.exit_code, 0) << t.output;
  auto step_dirs = [](const std::string& run_dir) {
    int n = 0;
    for (const auto& e : stdfs::directory_iterator(run_dir + "/checkpoints"))
      n += e.path().filename().string().rfind("step-", 0) == 0;
    return n;
  };
  EXPECT_EQ(step_dirs(r.run_dir), 3);  // keep_last 3 of several
  EXPECT_TRUE(stdfs::exists(r.run_dir + "/checkpoints/step-7/DONE"));
  auto plain = TinyRun(300, 0, 7);
  prepare(plain);
  ASSERT_EQ(plain.run("train", "--set train.save_every=0").exit_code, 0);
  EXPECT_EQ(step_dirs(plain.run_dir), 1);
  EXPECT_TRUE(stdfs::exists(plain.run_dir + "/checkpoints/step-7/DONE"));
}

TEST(TrainE2E, LambLowersTheLossAndResumesExactly) {
  TinyRun a(300, 0, 40), b(300, 0, 40);
  prepare(a);
  prepare(b);
  // LAMB scales each tensor's step by ||w|| / ||u|| (small for 0.02-initialised weights): it wants
  // a larger learning rate than AdamW.
  const std::string lamb = "--set train.optimizer=lamb --set train.lr=0.1 ";
  auto t = a.run("train", lamb);
  ASSERT_EQ(t.exit_code, 0) << t.output;
  auto loss = jsonl_field(a.run_dir + "/logs/train.jsonl", "loss");
  EXPECT_LT(loss.back(), loss.front() - 0.25)
      << "first " << loss.front() << " last " << loss.back();
  // The same run resumed from its step-20 checkpoint ends with the same losses and weights.
  ASSERT_EQ(b.run("train", lamb).exit_code, 0);
  auto r = b.run("train", lamb + "--resume " + b.run_dir + "/checkpoints/step-20");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  expect_same_run(a, b);
}

TEST(TrainE2E, ARefusedOrFailedStartKeepsTheOldRun) {
  TinyRun r(300, 0, 10);
  prepare(r);
  ASSERT_EQ(r.run("train", "--set train.eval_every=5").exit_code, 0);
  const std::string config = read_text(r.run_dir + "/config.json");
  auto intact = [&](const std::string& why) {
    EXPECT_TRUE(stdfs::exists(r.run_dir + "/checkpoints/step-10/DONE")) << why;
    EXPECT_TRUE(stdfs::exists(r.run_dir + "/final/DONE")) << why;
    EXPECT_TRUE(stdfs::exists(r.run_dir + "/best/DONE")) << why;
    EXPECT_EQ(read_text(r.run_dir + "/config.json"), config) << why;
    EXPECT_EQ(jsonl_field(r.run_dir + "/logs/train.jsonl", "step").back(), 10) << why;
  };
  // A forgotten --resume is refused before anything is written.
  auto refused = r.run("train", "--set train.lr=0.005");
  EXPECT_EQ(refused.exit_code, 2) << refused.output;
  intact("refused start");
  // --overwrite deletes the old run only once the new one has loaded: missing data fails first.
  stdfs::rename(r.run_dir + "/data/manifest.json", r.dir.file("manifest.json"));
  auto failed = r.run("train", "--overwrite --set train.lr=0.005");
  EXPECT_EQ(failed.exit_code, 1) << failed.output;
  EXPECT_NE(failed.output.find("no prepared data"), std::string::npos) << failed.output;
  intact("failed --overwrite");
  // A failing stage command does not record its config either.
  stdfs::rename(r.dir.file("manifest.json"), r.run_dir + "/data/manifest.json");
  auto tok = r.run("tokenizer", "--set tokenizer.vocab_size=60000");
  EXPECT_NE(tok.exit_code, 0) << tok.output;
  intact("failed tokenizer stage");
}

TEST(TrainE2E, BestFromAnAbandonedPathIsDropped) {
  TinyRun r(300, 0, 40);
  prepare(r);
  ASSERT_EQ(r.run("train", "--set train.eval_every=10 --set train.lr=0.01").exit_code, 0);
  auto best_step = [&] {
    return nlohmann::json::parse(read_text(r.run_dir + "/best/state.json"))["step"].get<int>();
  };
  ASSERT_GT(best_step(), 20);  // the loss still falls at this learning rate
  // Resuming from step 20 to end there abandons steps 21-40, and the best/ saved among them.
  auto res = r.run("train",
                   "--set train.eval_every=10 --set train.lr=0.01 --set train.steps=20 "
                   "--resume " +
                       r.run_dir + "/checkpoints/step-20");
  ASSERT_EQ(res.exit_code, 0) << res.output;
  EXPECT_FALSE(stdfs::exists(r.run_dir + "/best")) << res.output;
  // So are its checkpoints: a later --resume auto continues this path, not the abandoned one.
  EXPECT_FALSE(stdfs::exists(r.run_dir + "/checkpoints/step-30")) << res.output;
  EXPECT_FALSE(stdfs::exists(r.run_dir + "/checkpoints/step-40")) << res.output;
  EXPECT_TRUE(stdfs::exists(r.run_dir + "/checkpoints/step-20/DONE")) << res.output;
  EXPECT_EQ(jsonl_field(r.run_dir + "/logs/train.jsonl", "step").back(), 20);
}

TEST(TrainE2E, SmallOrMissingValidationSplitsDoNotFailTheRun) {
  // One or two validation documents cannot fill a batch of 32: they are evaluated in one smaller
  // batch instead of failing the run after training.
  TinyRun r(300, 0, 10);
  const std::string small = "--set data.valid_fraction=0.005 --set train.batch_size=32 ";
  ASSERT_EQ(r.run("tokenizer", small).exit_code, 0);
  ASSERT_EQ(r.run("prepare", small).exit_code, 0);
  auto t = r.run("train", small);
  ASSERT_EQ(t.exit_code, 0) << t.output;
  auto examples = jsonl_field(r.run_dir + "/logs/eval.jsonl", "examples");
  ASSERT_EQ(examples.size(), 1u);
  EXPECT_GT(examples[0], 0);
  EXPECT_LT(examples[0], 32);
  auto ev = run_bertforge("evaluate --json --checkpoint " + r.run_dir + "/final");
  ASSERT_EQ(ev.exit_code, 0) << ev.output;
  EXPECT_NE(ev.output.find("\"step\":10"), std::string::npos) << ev.output;

  // No validation split at all: the pipeline trains and says there is nothing to evaluate.
  TinyRun n(300, 0, 10);
  auto p = n.run("pipeline", "--set data.valid_fraction=0");
  ASSERT_EQ(p.exit_code, 0) << p.output;
  EXPECT_NE(p.output.find("none (no validation documents)"), std::string::npos) << p.output;
}

TEST(TrainE2E, EvaluateAndFillMask) {
  TinyRun r(300, 0, 40);
  prepare(r);
  ASSERT_EQ(r.run("train").exit_code, 0);
  auto ev = run_bertforge("evaluate --checkpoint " + r.run_dir + " --json");
  ASSERT_EQ(ev.exit_code, 0) << ev.output;
  auto j = nlohmann::json::parse(ev.output.substr(ev.output.rfind('{')));
  for (const char* k : {"mlm_loss", "mlm_accuracy", "perplexity", "nsp_accuracy"})
    EXPECT_TRUE(j.contains(k)) << k;
  EXPECT_NEAR(j["perplexity"].get<double>(), std::exp(j["mlm_loss"].get<double>()),
              1e-6 * j["perplexity"].get<double>());
  EXPECT_GT(j["mlm_accuracy"].get<double>(), 0.0);
  // mask_accuracy counts only the selected positions whose input is [MASK]: about 80% of them
  // (masking.mask), and never more right answers than all selected positions have.
  const double masked = j["masked_tokens"].get<double>(), at_mask = j["mask_tokens"].get<double>();
  EXPECT_GT(at_mask, 0.7 * masked) << ev.output;
  EXPECT_LT(at_mask, 0.9 * masked) << ev.output;
  EXPECT_LE(at_mask * j["mask_accuracy"].get<double>(),
            masked * j["mlm_accuracy"].get<double>() + 1e-9);
  for (const char* k : {"mask_accuracy", "mask_majority_accuracy"}) {
    EXPECT_GE(j[k].get<double>(), 0.0) << k;
    EXPECT_LE(j[k].get<double>(), 1.0) << k;
  }
  // A text file is encoded with the checkpoint's tokenizer.
  write_corpus(r.dir.file("held_out.txt"), 60, 999, 0);
  auto ev2 = run_bertforge("evaluate --checkpoint " + r.run_dir + "/final --data " +
                           r.dir.file("held_out.txt") + " --json");
  ASSERT_EQ(ev2.exit_code, 0) << ev2.output;
  auto fm = run_bertforge("fill-mask --checkpoint " + r.run_dir +
                          "/final --top-k 3 --json \"The old cat [MASK] the dog by the [MASK].\"");
  ASSERT_EQ(fm.exit_code, 0) << fm.output;
  auto preds = nlohmann::json::parse(fm.output.substr(fm.output.find('[')));
  ASSERT_EQ(preds.size(), 2u);
  for (const auto& list : preds) {
    ASSERT_EQ(list.size(), 3u);
    EXPECT_GE(list[0]["probability"].get<double>(), list[1]["probability"].get<double>());
    EXPECT_TRUE(list[0].contains("token") && list[0].contains("id"));
  }
  auto none = run_bertforge("fill-mask --checkpoint " + r.run_dir + " \"no mask here\"");
  EXPECT_EQ(none.exit_code, 2);

  // The text report: NSP accuracy of an NSP model; "n/a" for an MLM-only one (not a fake 0).
  EXPECT_GT(j["nsp_pairs"].get<int64_t>(), 0);
  auto text = run_bertforge("evaluate --checkpoint " + r.run_dir);
  ASSERT_EQ(text.exit_code, 0) << text.output;
  EXPECT_NE(text.output.find("nsp_accuracy  0."), std::string::npos) << text.output;
  ASSERT_EQ(r.run("train", "--overwrite --set data.nsp=false --set train.steps=5").exit_code, 0);
  auto mlm = run_bertforge("evaluate --checkpoint " + r.run_dir);
  ASSERT_EQ(mlm.exit_code, 0) << mlm.output;
  EXPECT_NE(mlm.output.find("nsp_accuracy  n/a"), std::string::npos) << mlm.output;
  auto mlm_json = run_bertforge("evaluate --checkpoint " + r.run_dir + " --json");
  ASSERT_EQ(mlm_json.exit_code, 0) << mlm_json.output;
  EXPECT_EQ(nlohmann::json::parse(mlm_json.output.substr(mlm_json.output.rfind('{')))["nsp_pairs"],
            0);
}

TEST(TrainE2E, PipelineSkipsFinishedStages) {
  TinyRun r(300, 0, 20);
  auto first = r.run("pipeline");
  ASSERT_EQ(first.exit_code, 0) << first.output;
  EXPECT_NE(first.output.find("mlm_accuracy"), std::string::npos);
  auto second = r.run("pipeline");
  ASSERT_EQ(second.exit_code, 0) << second.output;
  EXPECT_NE(second.output.find("already holds this config's model, skipping"), std::string::npos)
      << second.output;
  EXPECT_EQ(jsonl_field(r.run_dir + "/logs/train.jsonl", "step").size(), 4u);  // not trained again
}

}  // namespace
}  // namespace bertforge::testing
