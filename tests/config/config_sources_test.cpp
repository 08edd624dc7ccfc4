// data.sources in the config (config/config_sources.cpp, config_validate.cpp).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "config/config.h"
#include "config/config_error.h"
#include "errors/errors.h"

namespace bertforge {
namespace {

const char* kTwo = R"(data.sources=[{"name": "domain", "files": "d/", "weight": 0.8},)"
                   R"( {"name": "general", "files": ["g/*.zst", "h.txt"], "valid_files": "gv.txt",)"
                   R"( "weight": 0.2}])";

TEST(ConfigSourcesTest, ParsesAndRoundTrips) {
  Config c = load_config("", {kTwo});
  ASSERT_EQ(c.data.sources.size(), 2u);
  EXPECT_EQ(c.data.sources[0].name, "domain");
  EXPECT_EQ(c.data.sources[0].files, std::vector<std::string>{"d/"});
  EXPECT_DOUBLE_EQ(c.data.sources[0].weight, 0.8);
  EXPECT_TRUE(c.data.sources[0].valid_files.empty());
  EXPECT_EQ(c.data.sources[1].files, (std::vector<std::string>{"g/*.zst", "h.txt"}));
  EXPECT_EQ(c.data.sources[1].valid_files, std::vector<std::string>{"gv.txt"});
  const Config back = config_from_json(config_to_json(c));
  EXPECT_TRUE(back.data.sources == c.data.sources);
  // The weight defaults to 1.
  Config d = load_config("", {R"(data.sources=[{"name": "a", "files": "x"}])"});
  EXPECT_DOUBLE_EQ(d.data.sources[0].weight, 1.0);
}

TEST(ConfigSourcesTest, TheKeyIsDocumented) {
  bool found = false;
  for (const KeyDoc& k : config_keys())
    if (k.key == "data.sources") found = k.type == "list" && k.fallback == "[]";
  EXPECT_TRUE(found);
}

TEST(ConfigSourcesTest, BadSourcesNameTheKey) {
  struct Case {
    std::string set, needle;
  };
  const std::vector<Case> cases = {
      {R"(data.sources={"name": "a"})", "data.sources: expected a list of sources"},
      {R"(data.sources=["a"])", "data.sources[0]: expected an object"},
      {R"(data.sources=[{"files": "x"}])", "data.sources[0].name: expected the source's name"},
      {R"(data.sources=[{"name": "a"}])", "data.sources[0].files: is missing"},
      {R"(data.sources=[{"name": "a", "files": 3}])", "data.sources[0].files: expected a file"},
      {R"(data.sources=[{"name": "a", "files": "x", "wieght": 1}])",
       "data.sources[0].wieght: unknown key (hint: did you mean 'weight'?)"},
      {R"(data.sources=[{"name": "a", "files": "x", "weight": "high"}])",
       "data.sources[0].weight: expected a number"},
      {R"(data.sources=[{"name": "a", "files": "x", "weight": -1}])",
       "data.sources[0].weight: must be a number >= 0"},
      {R"(data.sources=[{"name": "a", "files": "x", "weight": 0}, {"name": "b", "files": "y", "weight": 0}])",
       "data.sources: the weights must sum to a positive number"},
      {R"(data.sources=[{"name": "a", "files": "x"}, {"name": "a", "files": "y"}])",
       "data.sources[1].name: 'a' names two sources"},
      {R"(data.sources=[{"name": "a b", "files": "x"}])", "data.sources[0].name: must be"},
      {R"(data.sources=[{"name": "a", "files": []}])", "data.sources[0].files: is empty"},
  };
  for (const Case& c : cases) {
    auto [msg, code] = testing::config_error_of("", {c.set});
    EXPECT_NE(msg.find(c.needle), std::string::npos) << c.set << " -> " << msg;
    EXPECT_EQ(code, kExitUsage) << c.set;
  }
  auto [msg, code] = testing::config_error_of("", {kTwo, "data.train_files=c.txt"});
  EXPECT_NE(msg.find("data.train_files: must be empty when data.sources is set"), std::string::npos)
      << msg;
  EXPECT_EQ(code, kExitUsage);
}

TEST(ConfigSourcesTest, FormatsAndFieldPaths) {
  EXPECT_EQ(load_config("", {"data.format=csv"}).data.format, "csv");
  EXPECT_EQ(load_config("", {"data.format=tsv", "data.text_field=body"}).data.text_field, "body");
  EXPECT_EQ(load_config("", {"data.text_field=meta.body"}).data.text_field, "meta.body");
  auto [msg, code] = testing::config_error_of("", {"data.format=xml"});
  EXPECT_NE(msg.find("data.format: must be one of text | jsonl | csv | tsv"), std::string::npos)
      << msg;
  std::tie(msg, code) = testing::config_error_of("", {"data.text_field=meta..body"});
  EXPECT_NE(msg.find("data.text_field: must be a field name or a dotted path"), std::string::npos)
      << msg;
}

}  // namespace
}  // namespace bertforge
