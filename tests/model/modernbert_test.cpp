// ModernBERT against an independent numpy implementation (tests/model/modernbert_reference.py,
// written from HF's definition of the architecture): the script writes a small random HF
// directory and the logits it computes; the C++ model loads the directory and must agree.
#include "model/modernbert.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <nlohmann/json.hpp>

#include "checkpoint/pretrained.h"
#include "config/config.h"
#include "fs/fs.h"
#include "testutil.h"

namespace bertforge {
namespace {

using json = nlohmann::json;

torch::Tensor to_tensor(const json& j, torch::ScalarType t) {
  std::vector<double> flat;
  std::vector<int64_t> sizes;
  std::function<void(const json&, size_t)> walk = [&](const json& v, size_t depth) {
    if (!v.is_array()) return flat.push_back(v.get<double>());
    if (sizes.size() <= depth) sizes.push_back(static_cast<int64_t>(v.size()));
    for (const auto& e : v) walk(e, depth + 1);
  };
  walk(j, 0);
  return torch::tensor(flat, torch::kFloat64).view(sizes).to(t);
}

class ModernBertReference : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string cmd = std::string("/usr/bin/python3 ") + BERTFORGE_SOURCE_DIR +
                            "/tests/model/modernbert_reference.py " + dir.path() + " >/dev/null";
    ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
    expected = json::parse(fs::read_file(dir.file("expected.json")));
    model = load_hf_model(dir.path(), &config);
    ids = to_tensor(expected["input_ids"], torch::kInt64);
    mask = to_tensor(expected["attention_mask"], torch::kInt64);
  }
  testing::TempDir dir;
  json expected;
  Config config;
  ModelPtr model;
  torch::Tensor ids, mask;
};

TEST_F(ModernBertReference, ConfigKeysAreRead) {
  const ModelShape& s = model->shape();
  EXPECT_EQ(s.architecture, "modernbert");
  EXPECT_EQ(s.vocab_size, 40);
  EXPECT_EQ(s.hidden, 16);
  EXPECT_EQ(s.layers, 3);
  EXPECT_EQ(s.intermediate, 24);
  EXPECT_EQ(s.global_attn_every_n_layers, 2);
  EXPECT_EQ(s.local_attention, 4);
  EXPECT_DOUBLE_EQ(s.layer_norm_eps, 1e-5);
  EXPECT_FALSE(s.has_nsp_head());
  EXPECT_FALSE(config.data.nsp);
}

TEST_F(ModernBertReference, HiddenStatesAndLogitsMatchAtRealPositions) {
  auto* mb = dynamic_cast<ModernBertForMaskedLMImpl*>(model.get());
  ASSERT_NE(mb, nullptr);
  torch::NoGradGuard ng;
  auto hidden = mb->encode(ids, mask).to(torch::kFloat64);  // (B, T, H)
  auto want_hidden = to_tensor(expected["hidden"], torch::kFloat64);
  auto real = mask.to(torch::kBool).reshape({-1});
  auto flat_h = hidden.reshape({-1, hidden.size(2)}).index({real});
  auto want_h = want_hidden.reshape({-1, hidden.size(2)}).index({real});
  EXPECT_LT((flat_h - want_h).abs().max().item<double>(), 1e-4);
  auto positions = torch::nonzero(real).reshape({-1});
  auto logits = model->forward(ids, torch::zeros_like(ids), mask, positions).mlm_logits;
  auto want = to_tensor(expected["logits"], torch::kFloat64);
  want = want.reshape({-1, want.size(2)}).index({real});
  EXPECT_EQ(logits.sizes(), want.sizes());
  EXPECT_LT((logits.to(torch::kFloat64) - want).abs().max().item<double>(), 1e-4);
  EXPECT_GT(want.abs().max().item<double>(), 0.5);  // the comparison is not between near-zeros
}

TEST_F(ModernBertReference, PaddingDoesNotLeakIntoRealPositions) {
  torch::NoGradGuard ng;
  auto* mb = dynamic_cast<ModernBertForMaskedLMImpl*>(model.get());
  auto a = mb->encode(ids, mask);
  auto other = ids.clone();
  other.index_put_({mask.eq(0)}, 7);  // different ids under the padding
  auto b = mb->encode(other, mask);
  auto real = mask.to(torch::kBool);
  EXPECT_TRUE(torch::allclose(a.index({real}), b.index({real}), 0, 1e-6));
}

TEST(ModernBert, InitFollowsHfStds) {
  ModelShape s;
  s.architecture = "modernbert";
  s.vocab_size = 300, s.hidden = 64, s.layers = 8, s.heads = 4, s.intermediate = 96;
  ModernBertForMaskedLM m(s);
  m->init_weights(at::make_generator<at::CPUGeneratorImpl>(3));
  const double in = s.initializer_range, out = in / std::sqrt(16.0);
  auto check = [&](const torch::Tensor& w, double std) {
    EXPECT_NEAR(w.std().item<double>(), std * 0.88, std * 0.05);  // N truncated at 2 sigma
    EXPECT_LE(w.abs().max().item<double>(), 2 * std + 1e-9);
  };
  check(m->model->embeddings->tok_embeddings->weight, in);
  check(m->model->layers[1]->as<ModernBertLayer>()->attn->Wqkv->weight, in);
  check(m->model->layers[1]->as<ModernBertLayer>()->attn->Wo->weight, out);
  check(m->model->layers[1]->as<ModernBertLayer>()->mlp->Wo->weight, out);
  EXPECT_TRUE(m->model->final_norm->weight.eq(1).all().item<bool>());
  EXPECT_TRUE(m->decoder->bias.eq(0).all().item<bool>());
  // Layer 0 has no attn_norm (HF: Identity); the others do.
  auto params = m->named_parameters();
  EXPECT_EQ(params.find("model.layers.0.attn_norm.weight"), nullptr);
  EXPECT_NE(params.find("model.layers.1.attn_norm.weight"), nullptr);
  EXPECT_EQ(params.find("decoder.weight"), nullptr);
}

}  // namespace
}  // namespace bertforge
