// Reading a HuggingFace config.json (hf/hf_config.h): the model types bertforge takes, by name.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "errors/errors.h"
#include "hf/hf_config.h"

namespace bertforge {
namespace {

nlohmann::json roberta_like(const std::string& type) {
  return {{"model_type", type},
          {"vocab_size", 250},
          {"hidden_size", 64},
          {"num_hidden_layers", 2},
          {"num_attention_heads", 4},
          {"intermediate_size", 128},
          {"max_position_embeddings", 66},
          {"pad_token_id", 1},
          {"type_vocab_size", 1}};
}

// XLM-R is RoBERTa's architecture (its weights are named as RoBERTa's): read as "roberta", the
// position table offset by pad_token_id + 1 as for RoBERTa.
TEST(HfConfigRead, XlmRobertaIsReadAsRoberta) {
  ModelConfig m;
  int64_t pad = -1;
  EXPECT_EQ(model_config_from_hf(roberta_like("xlm-roberta"), "config.json", &m, &pad), 250);
  EXPECT_EQ(m.architecture, "roberta");
  EXPECT_EQ(pad, 1);
  EXPECT_EQ(m.max_position, 64);
  ModelConfig r;
  model_config_from_hf(roberta_like("roberta"), "config.json", &r);
  EXPECT_EQ(r.architecture, m.architecture);
  EXPECT_EQ(r.max_position, m.max_position);
}

TEST(HfConfigRead, OtherModelTypesAreRefusedByName) {
  ModelConfig m;
  try {
    model_config_from_hf(roberta_like("deberta-v2"), "dir/config.json", &m);
    FAIL() << "deberta-v2 accepted";
  } catch (const InputError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("dir/config.json"), std::string::npos) << what;
    EXPECT_NE(what.find("\"deberta-v2\" is not supported"), std::string::npos) << what;
    EXPECT_NE(what.find("xlm-roberta"), std::string::npos) << what;
  }
}

}  // namespace
}  // namespace bertforge
