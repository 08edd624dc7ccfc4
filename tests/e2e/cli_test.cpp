// End-to-end: the command line itself (src/cli): --version, --help, a command's help and its
// config keys, and a mistyped command.
#include <gtest/gtest.h>

#include <regex>
#include <string>

#include "e2e/e2e_util.h"

namespace bertforge::testing {
namespace {

bool has(const RunResult& r, const std::string& s) { return r.output.find(s) != std::string::npos; }

TEST(CliE2E, VersionAndHelp) {
  auto v = run_bertforge("--version");
  EXPECT_EQ(v.exit_code, 0) << v.output;
  EXPECT_TRUE(std::regex_search(v.output, std::regex(R"(^bertforge \d+\.\d+\.\d+\n$)")))
      << v.output;

  auto h = run_bertforge("--help");
  EXPECT_EQ(h.exit_code, 0) << h.output;
  for (const char* cmd : {"tokenizer", "prepare", "inspect", "train", "evaluate", "fill-mask",
                          "export", "pipeline", "config"})
    EXPECT_TRUE(has(h, std::string("\n  ") + cmd + " ")) << cmd << " missing from:\n" << h.output;

  auto none = run_bertforge("");
  EXPECT_EQ(none.exit_code, 2) << none.output;
}

TEST(CliE2E, UnknownCommandNamesTheNearestAndTheList) {
  auto typo = run_bertforge("trian --config x.json");
  EXPECT_EQ(typo.exit_code, 2) << typo.output;
  EXPECT_TRUE(has(typo, "unknown command 'trian' (did you mean 'train'?)")) << typo.output;
  EXPECT_TRUE(has(typo, "fill-mask")) << typo.output;  // the list of commands

  auto upper = run_bertforge("PREPARE --config x.json");
  EXPECT_EQ(upper.exit_code, 2) << upper.output;
  EXPECT_TRUE(has(upper, "(did you mean 'prepare'?)")) << upper.output;

  auto far = run_bertforge("frobnicate");
  EXPECT_EQ(far.exit_code, 2) << far.output;
  EXPECT_TRUE(has(far, "unknown command 'frobnicate';")) << far.output;
  EXPECT_FALSE(has(far, "did you mean")) << far.output;
}

// A command's --help lists the config keys it reads with the same defaults as `config --docs`.
TEST(CliE2E, CommandHelpShowsItsKeysWithTheDocumentedDefaults) {
  auto docs = run_bertforge("config --docs");
  ASSERT_EQ(docs.exit_code, 0) << docs.output;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(docs.output, m,
                                std::regex(R"(\| `tokenizer\.vocab_size` \| \w+ \| `(\d+)` \|)")))
      << docs.output;
  const std::string vocab_default = m[1];

  auto help = run_bertforge("tokenizer --help");
  EXPECT_EQ(help.exit_code, 0) << help.output;
  EXPECT_TRUE(has(help, "tokenizer.vocab_size (" + vocab_default + ")")) << help.output;
  EXPECT_TRUE(has(help, "--set")) << help.output;

  // Commands that use a trained model take no --config and say where their settings come from.
  for (const char* cmd : {"evaluate", "fill-mask", "export"}) {
    auto h = run_bertforge(std::string(cmd) + " --help");
    EXPECT_EQ(h.exit_code, 0) << h.output;
    EXPECT_TRUE(has(h, "--checkpoint")) << h.output;
    EXPECT_TRUE(has(h, "come from the checkpoint")) << h.output;
    EXPECT_FALSE(has(h, "--config file")) << h.output;
  }
}

}  // namespace
}  // namespace bertforge::testing
