#include "checkpoint/checkpoint.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "errors/errors.h"
#include "fs/checksum.h"
#include "fs/fs.h"
#include "hf/safetensors.h"
#include "testutil.h"
#include "train/train_state.h"

namespace bertforge {
namespace {

using testing::TempDir;
using testing::write_text;

TEST(Checkpoint, TidyRunDirRepairsInterruptedReplacements) {
  TempDir tmp;
  const std::string run = tmp.path();
  // final/ was renamed away and its replacement never arrived: the old one comes back.
  fs::make_dirs(run + "/.old-final");
  write_text(run + "/.old-final/DONE", "x\n");
  fs::make_dirs(run + "/.tmp-final-1-abc-0");
  // best/ was replaced: the stale .old-best goes, best/ stays.
  fs::make_dirs(run + "/best");
  write_text(run + "/best/DONE", "new\n");
  fs::make_dirs(run + "/.old-best");
  fs::make_dirs(run + "/.tmp-best-1-abc-1");
  // Others' files are left alone.
  write_text(run + "/config.json.tmp-9-abc-0", "{}");
  fs::make_dirs(run + "/.tmp-elsewhere");

  tidy_run_dir(run);
  EXPECT_EQ(testing::read_text(run + "/final/DONE"), "x\n");
  EXPECT_EQ(testing::read_text(run + "/best/DONE"), "new\n");
  for (const char* gone :
       {"/.old-final", "/.old-best", "/.tmp-final-1-abc-0", "/.tmp-best-1-abc-1"})
    EXPECT_FALSE(fs::exists(run + gone)) << gone;
  EXPECT_TRUE(fs::exists(run + "/config.json.tmp-9-abc-0"));
  EXPECT_TRUE(fs::exists(run + "/.tmp-elsewhere"));
}

TEST(Checkpoint, TidyRunDirDropsAnIncompleteOldCopy) {
  TempDir tmp;
  fs::make_dirs(tmp.path() + "/.old-final");  // no DONE: nothing worth restoring
  tidy_run_dir(tmp.path());
  EXPECT_FALSE(fs::exists(tmp.path() + "/final"));
  EXPECT_FALSE(fs::exists(tmp.path() + "/.old-final"));
}

ModelPtr tiny_model(uint64_t seed) {
  ModelShape shape;
  shape.vocab_size = 50, shape.hidden = 16, shape.heads = 2, shape.intermediate = 32;
  shape.max_position = 16;
  ModelPtr m = make_model(shape);
  m->init_weights(at::detail::createCPUGenerator(seed));
  return m;
}

void expect_same_weights(PreTrainingModel& a, PreTrainingModel& b) {
  auto pb = b.named_parameters();
  for (const auto& item : a.named_parameters())
    EXPECT_TRUE(torch::equal(item.value(), pb[item.key()])) << item.key();
}

// A checkpoint's weights are model.safetensors: readable by any safetensors reader, every
// parameter by its name, and they load back bit for bit.
TEST(Checkpoint, WeightsAreSafetensorsAndLoadBack) {
  TempDir tmp;
  const std::string dir = tmp.path() + "/final", tok = tmp.path() + "/tok";
  write_text(tok, "tokenizer bytes");
  ModelPtr saved = tiny_model(1), loaded = tiny_model(2);
  write_checkpoint(dir, saved, nullptr, TrainState{}.to_json(), Config{}, tok);
  EXPECT_FALSE(fs::exists(dir + "/model.pt"));
  auto tensors = read_safetensors(dir + "/model.safetensors");
  EXPECT_EQ(tensors.size(), saved->named_parameters().size());
  EXPECT_TRUE(torch::equal(tensors.at("bert.embeddings.word_embeddings.weight"),
                           saved->named_parameters()["bert.embeddings.word_embeddings.weight"]));
  const CheckpointInfo info = read_checkpoint(dir);
  EXPECT_EQ(info.model_checksum, sha256_file(dir + "/model.safetensors"));
  load_weights(dir, loaded);
  expect_same_weights(*saved, *loaded);
}

// A checkpoint written before model.safetensors (model.pt, LibTorch's archive, recorded in
// state.json and DONE as they were) still loads.
TEST(Checkpoint, OlderModelPtCheckpointsStillLoad) {
  TempDir tmp;
  const std::string dir = tmp.path() + "/final", tok = tmp.path() + "/tok";
  write_text(tok, "tokenizer bytes");
  ModelPtr saved = tiny_model(3), loaded = tiny_model(4);
  write_checkpoint(dir, saved, nullptr, TrainState{}.to_json(), Config{}, tok);
  // Rewrite it as the earlier writer did.
  fs::remove_all(dir + "/model.safetensors");
  torch::save(saved, dir + "/model.pt");
  auto state = nlohmann::json::parse(testing::read_text(dir + "/state.json"));
  state["files"].erase("model.safetensors");
  state["files"]["model.pt"] = sha256_file(dir + "/model.pt");
  write_text(dir + "/state.json", state.dump(2) + "\n");
  write_text(dir + "/DONE", sha256_file(dir + "/state.json") + "\n");

  const CheckpointInfo info = read_checkpoint(dir);
  EXPECT_EQ(info.model_checksum, sha256_file(dir + "/model.pt"));
  load_weights(dir, loaded);
  expect_same_weights(*saved, *loaded);
}

// A weights file that does not fit the model is refused naming the tensor.
TEST(Checkpoint, SafetensorsOfAnotherShapeIsRefused) {
  TempDir tmp;
  const std::string dir = tmp.path() + "/final", tok = tmp.path() + "/tok";
  write_text(tok, "t");
  ModelPtr saved = tiny_model(5);
  write_checkpoint(dir, saved, nullptr, TrainState{}.to_json(), Config{}, tok);
  ModelShape wider = saved->shape();
  wider.hidden = 32;
  ModelPtr other = make_model(wider);
  try {
    load_weights(dir, other);
    FAIL() << "loaded weights of another shape";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("has shape"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace bertforge
