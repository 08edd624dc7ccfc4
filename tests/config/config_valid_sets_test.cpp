// data.valid_sets and the train keys naming a set (config/config_valid_sets.cpp): both forms,
// the round trip, and each error naming its key with exit 2.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "config/config.h"
#include "config/config_error.h"
#include "errors/errors.h"

namespace bertforge {
namespace {

const char* kObject = R"(data.valid_sets={"general": ["g.txt"], "domain": "d/*.txt"})";
const char* kList =
    R"(data.valid_sets=[{"name": "general", "files": ["g.txt"]}, {"name": "domain", "files": "d/"}])";

TEST(ConfigValidSetsTest, ObjectFormInNameOrder) {
  Config c = load_config("", {kObject});
  ASSERT_EQ(c.data.valid_sets.size(), 2u);
  EXPECT_EQ(c.data.valid_sets[0].name, "domain");  // a JSON object has no order: by name
  EXPECT_EQ(c.data.valid_sets[0].files, std::vector<std::string>{"d/*.txt"});
  EXPECT_EQ(c.data.valid_sets[1].name, "general");
  EXPECT_EQ(c.data.valid_sets[1].files, std::vector<std::string>{"g.txt"});
}

TEST(ConfigValidSetsTest, ListFormKeepsOrderAndRoundTrips) {
  Config c = load_config(
      "", {kList, "train.eval_set=domain", "train.guard_set=general", "train.guard_max_rise=0.05"});
  ASSERT_EQ(c.data.valid_sets.size(), 2u);
  EXPECT_EQ(c.data.valid_sets[0].name, "general");
  EXPECT_EQ(c.data.valid_sets[1].files, std::vector<std::string>{"d/"});
  EXPECT_EQ(c.train.eval_set, "domain");
  EXPECT_EQ(c.train.guard_set, "general");
  EXPECT_DOUBLE_EQ(c.train.guard_max_rise, 0.05);
  const nlohmann::json j = config_to_json(c);
  EXPECT_TRUE(j["data"]["valid_sets"].is_array());
  const Config back = config_from_json(j);
  EXPECT_TRUE(back.data.valid_sets == c.data.valid_sets);
  EXPECT_EQ(back.train.guard_set, "general");
}

TEST(ConfigValidSetsTest, DefaultsAreOff) {
  Config c = load_config("", {});
  EXPECT_TRUE(c.data.valid_sets.empty());
  EXPECT_EQ(c.train.eval_set, "");
  EXPECT_EQ(c.train.guard_set, "");
  EXPECT_EQ(c.train.guard_max_rise, 0.0);
  // The unnamed split may be named explicitly.
  EXPECT_EQ(load_config("", {"train.eval_set=valid"}).train.eval_set, "valid");
}

struct BadCase {
  std::vector<std::string> sets;
  std::string key;     // the key the message must name
  std::string phrase;  // and a phrase of it
};

TEST(ConfigValidSetsTest, ErrorsNameTheKey) {
  const std::vector<BadCase> cases = {
      {{"data.valid_sets=3"}, "data.valid_sets:", "expected"},
      {{R"(data.valid_sets={"g": [1]})"}, "data.valid_sets.g:", "list of strings"},
      {{R"(data.valid_sets=[{"name": "g", "file": "x"}])"},
       "data.valid_sets[0].file:",
       "did you mean 'files'"},
      {{R"(data.valid_sets=[{"files": "x"}])"}, "data.valid_sets[0].name:", "name"},
      {{R"(data.valid_sets=[{"name": "g"}])"}, "data.valid_sets[0].files:", "missing"},
      {{R"(data.valid_sets=["g.txt"])"}, "data.valid_sets[0]:", "expected an object"},
      {{R"(data.valid_sets={"g": []})"}, "data.valid_sets.g.files:", "empty"},
      {{R"(data.valid_sets={"a b": "x"})"}, "data.valid_sets:", "letters, digits"},
      {{R"(data.valid_sets={"": "x"})"}, "data.valid_sets:", "letters, digits"},
      {{R"(data.valid_sets={"valid": "x"})"}, "data.valid_sets.valid:", "unnamed"},
      {{R"(data.valid_sets=[{"name": "g", "files": "x"}, {"name": "g", "files": "y"}])"},
       "data.valid_sets.g:",
       "names two sets"},
      {{kList, "train.eval_set=generl"}, "train.eval_set:", "did you mean 'general'"},
      {{kList, "train.guard_set=legal", "train.guard_max_rise=0.1"},
       "train.guard_set:",
       "names no validation set"},
      {{"train.eval_set=general"}, "train.eval_set:", "names no validation set"},
      {{kList, "train.guard_max_rise=0.1"}, "train.guard_set:", "is needed"},
      {{kList, "train.guard_set=general", "train.guard_max_rise=-0.1"},
       "train.guard_max_rise:",
       ">= 0"},
      {{kList, "train.guard_set=general", "train.guard_max_rise=0.1", "train.eval_every=0"},
       "train.guard_max_rise:",
       "eval_every"},
      {{kList, "train.guard_set=general", "train.guard_max_rise=0.1",
        "train.objective=clm_then_mlm", "data.nsp=false"},
       "train.guard_max_rise:",
       "clm_then_mlm"},
      {{R"(data.valid_setz={})"}, "data.valid_setz:", "did you mean 'data.valid_sets'"},
  };
  for (const BadCase& c : cases) {
    const auto [what, code] = testing::config_error_of("", c.sets);
    SCOPED_TRACE(c.sets.back());
    EXPECT_EQ(code, kExitUsage) << what;
    EXPECT_NE(what.find("config: " + c.key), std::string::npos) << what;
    EXPECT_NE(what.find(c.phrase), std::string::npos) << what;
  }
}

TEST(ConfigValidSetsTest, GuardOffNeedsNoSet) {
  // guard_max_rise 0 is off: a guard_set alone is accepted (and does nothing).
  Config c = load_config("", {kList, "train.guard_set=general"});
  EXPECT_EQ(c.train.guard_max_rise, 0.0);
  // The unnamed split may be guarded.
  EXPECT_NO_THROW(load_config("", {"train.guard_set=valid", "train.guard_max_rise=0.2"}));
}

TEST(ConfigValidSetsTest, DocumentedInTheKeyTable) {
  int found = 0;
  for (const KeyDoc& k : config_keys())
    if (k.key == "data.valid_sets" || k.key == "train.eval_set" || k.key == "train.guard_set" ||
        k.key == "train.guard_max_rise") {
      ++found;
      EXPECT_FALSE(k.doc.empty()) << k.key;
    }
  EXPECT_EQ(found, 4);
}

}  // namespace
}  // namespace bertforge
