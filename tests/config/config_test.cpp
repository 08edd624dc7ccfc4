#include "config/config.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "config/config_error.h"
#include "errors/errors.h"
#include "testutil.h"

namespace bertforge {
namespace {

using testing::TempDir;

TEST(ConfigTest, Defaults) {
  Config c = load_config("", {});
  EXPECT_EQ(c.run_dir, "runs/default");
  EXPECT_EQ(c.seed, 42u);
  EXPECT_EQ(c.tokenizer.type, "unigram");
  EXPECT_EQ(c.tokenizer.vocab_size, 8000);
  EXPECT_EQ(c.data.format, "text");
  EXPECT_DOUBLE_EQ(c.data.valid_fraction, 0.01);
  EXPECT_TRUE(c.data.train_files.empty());
  EXPECT_EQ(c.masking.strategy, "token");
  EXPECT_DOUBLE_EQ(c.masking.probability, 0.15);
  // The tiny preset: 2 layers of 128 with 2 heads and 512 feed-forward.
  EXPECT_EQ(c.model.preset, "tiny");
  EXPECT_EQ(c.model.layers, 2);
  EXPECT_EQ(c.model.hidden, 128);
  EXPECT_EQ(c.model.heads, 2);
  EXPECT_EQ(c.model.intermediate, 512);
  EXPECT_EQ(c.train.steps, 1000);
  EXPECT_DOUBLE_EQ(c.train.lr, 1e-4);
  EXPECT_EQ(c.train.device, "cpu");
  EXPECT_TRUE(c.train.keep_best);
  EXPECT_EQ(c.train.early_stopping, 0);  // off unless asked for
}

TEST(ConfigTest, FileThenSetOverrides) {
  TempDir tmp;
  testing::write_text(tmp.file("c.json"), R"({
    "run_dir": "runs/x",
    "train": {"steps": 100, "lr": 0.001},
    "data": {"train_files": ["a.txt", "b.txt"], "nsp": false}
  })");
  Config c = load_config(tmp.file("c.json"), {"train.steps=200", "data.valid_files=v.txt",
                                              "train.device=cuda", "seed=7"});
  EXPECT_EQ(c.run_dir, "runs/x");
  EXPECT_EQ(c.train.steps, 200);        // --set beats the file
  EXPECT_DOUBLE_EQ(c.train.lr, 0.001);  // the file beats the default
  EXPECT_EQ(c.data.train_files, (std::vector<std::string>{"a.txt", "b.txt"}));
  EXPECT_EQ(c.data.valid_files, (std::vector<std::string>{"v.txt"}));  // plain string -> list
  EXPECT_FALSE(c.data.nsp);
  EXPECT_EQ(c.train.device, "cuda");  // plain strings need no quotes
  EXPECT_EQ(c.seed, 7u);
  // Later --set wins over an earlier one.
  EXPECT_EQ(load_config("", {"train.steps=5", "train.steps=6"}).train.steps, 6);
  EXPECT_EQ(load_config("", {R"(data.train_files=["x.txt","y.txt"])"}).data.train_files,
            (std::vector<std::string>{"x.txt", "y.txt"}));
}

TEST(ConfigTest, PresetThenExplicitSizes) {
  Config c = load_config("", {"model.preset=mini"});
  EXPECT_EQ(c.model.layers, 4);
  EXPECT_EQ(c.model.hidden, 256);
  EXPECT_EQ(c.model.heads, 4);
  EXPECT_EQ(c.model.intermediate, 1024);
  // An explicit size overrides the preset whatever the order of the keys.
  c = load_config("", {"model.layers=3", "model.preset=base"});
  EXPECT_EQ(c.model.layers, 3);
  EXPECT_EQ(c.model.hidden, 768);
  EXPECT_EQ(c.model.heads, 12);
  auto [msg, code] = testing::config_error_of("", {"model.preset=huge"});
  EXPECT_NE(msg.find("model.preset"), std::string::npos) << msg;
  EXPECT_EQ(code, 2);
}

TEST(ConfigTest, WrongTypeNamesTheKey) {
  auto [msg, code] = testing::config_error_of("", {"train.lr=\"fast\""});
  EXPECT_NE(msg.find("train.lr"), std::string::npos) << msg;
  EXPECT_NE(msg.find("expected a number"), std::string::npos) << msg;
  EXPECT_EQ(code, 2);
  std::tie(msg, code) = testing::config_error_of("", {"train.steps=1.5"});
  EXPECT_NE(msg.find("train.steps: expected an integer"), std::string::npos) << msg;
  std::tie(msg, code) = testing::config_error_of("", {"data.nsp=3"});
  EXPECT_NE(msg.find("data.nsp: expected true or false"), std::string::npos) << msg;
  std::tie(msg, code) = testing::config_error_of("", {"data.train_files=[1,2]"});
  EXPECT_NE(msg.find("data.train_files: expected a list of strings"), std::string::npos) << msg;
  std::tie(msg, code) = testing::config_error_of("", {"seed=-1"});
  EXPECT_NE(msg.find("seed: expected a non-negative integer"), std::string::npos) << msg;
  EXPECT_EQ(msg.find('\n'), std::string::npos);
}

TEST(ConfigTest, InvalidValuesNameKeyAndExpectation) {
  auto [msg, code] = testing::config_error_of("", {"train.lr=-1"});
  EXPECT_NE(msg.find("train.lr: must be > 0 (got -1)"), std::string::npos) << msg;
  EXPECT_EQ(code, 2);
  std::tie(msg, code) = testing::config_error_of("", {"tokenizer.type=word"});
  EXPECT_NE(msg.find("tokenizer.type: must be one of unigram | bpe | wordpiece (got 'word')"),
            std::string::npos)
      << msg;
  // WordPiece vocabularies are adopted, never trained.
  std::tie(msg, code) = testing::config_error_of("", {"tokenizer.type=wordpiece"});
  EXPECT_NE(msg.find("tokenizer.type: wordpiece tokenizers are adopted, not trained"),
            std::string::npos)
      << msg;
  EXPECT_EQ(code, 2);
  std::tie(msg, code) = testing::config_error_of("", {"data.valid_fraction=1"});
  EXPECT_NE(msg.find("data.valid_fraction"), std::string::npos) << msg;
  std::tie(msg, code) = testing::config_error_of("", {"train.early_stopping=-1"});
  EXPECT_NE(msg.find("train.early_stopping: must be >= 0 (got -1)"), std::string::npos) << msg;
  std::tie(msg, code) =
      testing::config_error_of("", {"train.early_stopping=3", "train.eval_every=0"});
  EXPECT_NE(msg.find("train.early_stopping: needs periodic evaluation"), std::string::npos) << msg;
  std::tie(msg, code) = testing::config_error_of("", {"model.heads=3"});
  EXPECT_NE(msg.find("model.heads: must be a divisor of model.hidden (128)"), std::string::npos)
      << msg;
}

TEST(ConfigTest, UnknownKeyWithDidYouMean) {
  TempDir tmp;
  testing::write_text(tmp.file("c.json"), R"({"train": {"step": 5}})");
  auto [msg, code] = testing::config_error_of(tmp.file("c.json"), {});
  EXPECT_NE(msg.find("train.step: unknown key"), std::string::npos) << msg;
  EXPECT_NE(msg.find("did you mean 'train.steps'?"), std::string::npos) << msg;
  EXPECT_EQ(code, 2);
  std::tie(msg, code) = testing::config_error_of("", {"tokenizer.vocab=100"});
  EXPECT_NE(msg.find("did you mean 'tokenizer.vocab_size'?"), std::string::npos) << msg;
  std::tie(msg, code) = testing::config_error_of("", {"trian.steps=100"});
  EXPECT_NE(msg.find("trian"), std::string::npos) << msg;
  EXPECT_NE(msg.find("did you mean 'train'?"), std::string::npos) << msg;
  std::tie(msg, code) = testing::config_error_of("", {"completely_unrelated_thing=1"});
  EXPECT_NE(msg.find("unknown key"), std::string::npos) << msg;
  EXPECT_EQ(msg.find("did you mean"), std::string::npos) << msg;
}

TEST(ConfigTest, MalformedJsonNamesFileAndLine) {
  TempDir tmp;
  testing::write_text(tmp.file("bad.json"), "{\n  \"seed\": 1,\n  \"run_dir\": oops\n}\n");
  auto [msg, code] = testing::config_error_of(tmp.file("bad.json"), {});
  EXPECT_NE(msg.find(tmp.file("bad.json") + ":3: malformed JSON"), std::string::npos) << msg;
  EXPECT_EQ(code, 2);
  EXPECT_EQ(msg.find('\n'), std::string::npos);

  testing::write_text(tmp.file("list.json"), "[1, 2]");
  std::tie(msg, code) = testing::config_error_of(tmp.file("list.json"), {});
  EXPECT_NE(msg.find("expected a JSON object"), std::string::npos) << msg;

  std::tie(msg, code) = testing::config_error_of(tmp.file("missing.json"), {});
  EXPECT_NE(msg.find("missing.json"), std::string::npos) << msg;
  EXPECT_NE(code, 0);

  std::tie(msg, code) = testing::config_error_of("", {"train.steps"});
  EXPECT_NE(msg.find("malformed --set"), std::string::npos) << msg;
  EXPECT_EQ(code, 2);
}

TEST(ConfigTest, JsonRoundTripAndKeyDocs) {
  Config c = load_config("", {"train.steps=77", "model.preset=small", "model.layers=5",
                              R"(data.train_files=["q.txt"])"});
  Config back = config_from_json(config_to_json(c));
  EXPECT_EQ(config_to_string(back), config_to_string(c));
  EXPECT_EQ(back.model.layers, 5);
  EXPECT_EQ(back.model.hidden, 512);
  bool found = false;
  for (const auto& k : config_keys()) {
    EXPECT_FALSE(k.doc.empty()) << k.key;
    if (k.key == "train.lr") {
      found = true;
      EXPECT_EQ(k.type, "float");
    }
  }
  EXPECT_TRUE(found);
}

TEST(ConfigTest, ResolveThreads) {
  EXPECT_EQ(resolve_threads(3), 3);
  EXPECT_GE(resolve_threads(0), 1);
}

}  // namespace
}  // namespace bertforge

namespace bertforge {
namespace {

TEST(ConfigTest, MissingConfigFileIsAUsageError) {
  try {
    load_config("/nonexistent/bertforge.json", {});
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.exit_code(), kExitUsage);
    EXPECT_NE(std::string(e.what()).find("/nonexistent/bertforge.json: no such config file"),
              std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace bertforge
