#include "model/bert.h"

#include <gtest/gtest.h>

namespace bertforge {
namespace {

ModelShape tiny_shape() {
  ModelShape s;
  s.vocab_size = 50, s.hidden = 16, s.layers = 2, s.heads = 2, s.intermediate = 32;
  s.max_position = 32;
  return s;
}

BertForPreTraining make_model() {
  BertForPreTraining m(tiny_shape());
  m->init_weights(at::make_generator<at::CPUGeneratorImpl>(7));
  m->eval();
  return m;
}

TEST(Bert, OutputShapes) {
  auto m = make_model();
  auto ids = torch::randint(5, 50, {3, 10}, torch::kInt64);
  auto types = torch::zeros_like(ids), mask = torch::ones_like(ids);
  auto positions = torch::tensor({0, 5, 29}, torch::kInt64);
  auto out = m->forward(ids, types, mask, positions);
  EXPECT_EQ(out.mlm_logits.sizes(), (std::vector<int64_t>{3, 50}));
  EXPECT_EQ(out.nsp_logits.sizes(), (std::vector<int64_t>{3, 2}));
}

TEST(Bert, HuggingFaceParameterNames) {
  auto m = make_model();
  auto params = m->named_parameters();
  for (const char* name :
       {"bert.embeddings.word_embeddings.weight", "bert.embeddings.position_embeddings.weight",
        "bert.embeddings.token_type_embeddings.weight", "bert.embeddings.LayerNorm.weight",
        "bert.encoder.layer.0.attention.self.query.weight",
        "bert.encoder.layer.1.attention.self.value.bias",
        "bert.encoder.layer.0.attention.output.dense.weight",
        "bert.encoder.layer.0.attention.output.LayerNorm.bias",
        "bert.encoder.layer.1.intermediate.dense.weight", "bert.encoder.layer.1.output.dense.bias",
        "bert.encoder.layer.1.output.LayerNorm.weight", "bert.pooler.dense.weight",
        "cls.predictions.bias", "cls.predictions.transform.dense.weight",
        "cls.predictions.transform.LayerNorm.weight", "cls.seq_relationship.weight"}) {
    EXPECT_NE(params.find(name), nullptr) << name;
  }
  // 5 embedding tensors + 16 per layer + 2 pooler + 1 bias + 4 transform + 2 NSP.
  EXPECT_EQ(params.size(), 5u + 16u * 2 + 2 + 1 + 4 + 2);
}

TEST(Bert, PaddingDoesNotChangeRealTokens) {
  auto m = make_model();
  auto ids = torch::randint(5, 50, {1, 7}, torch::kInt64);
  auto types = torch::zeros_like(ids);
  auto positions = torch::arange(7, torch::kInt64);
  auto a = m->forward(ids, types, torch::ones_like(ids), positions);
  // Same example padded with 5 [PAD] tokens (garbage ids, to be sure they are ignored).
  auto padded = torch::cat({ids, torch::full({1, 5}, 17, torch::kInt64)}, 1);
  auto mask =
      torch::cat({torch::ones({1, 7}, torch::kInt64), torch::zeros({1, 5}, torch::kInt64)}, 1);
  auto b = m->forward(padded, torch::zeros_like(padded), mask, positions);
  EXPECT_TRUE(torch::allclose(a.mlm_logits, b.mlm_logits, 1e-5, 1e-5));
  EXPECT_TRUE(torch::allclose(a.nsp_logits, b.nsp_logits, 1e-5, 1e-5));
}

TEST(Bert, DecoderIsTiedToWordEmbeddings) {
  auto m = make_model();
  auto ids = torch::randint(5, 50, {1, 4}, torch::kInt64);
  auto out = m->forward(ids, torch::zeros_like(ids), torch::ones_like(ids),
                        torch::tensor({1}, torch::kInt64));
  out.mlm_logits.sum().backward();
  // The decoder is the word embedding matrix: every row gets a gradient from the decoder,
  // rows of tokens not in the input included.
  auto g = m->bert->embeddings->word_embeddings->weight.grad();
  ASSERT_TRUE(g.defined());
  EXPECT_GT(g[40].abs().sum().item<double>() + g[41].abs().sum().item<double>(), 0.0);
  EXPECT_EQ(m->named_parameters().find("cls.predictions.decoder.weight"), nullptr);
}

TEST(Bert, InitFollowsBert) {
  ModelShape s = tiny_shape();
  s.vocab_size = 4000, s.hidden = 64, s.intermediate = 128, s.heads = 4;
  BertForPreTraining m(s);
  m->init_weights(at::make_generator<at::CPUGeneratorImpl>(1));
  auto w = m->bert->embeddings->word_embeddings->weight;
  EXPECT_NEAR(w.std().item<double>(), 0.02, 0.001);
  EXPECT_NEAR(w.mean().item<double>(), 0.0, 0.001);
  auto ln = m->bert->embeddings->LayerNorm;
  EXPECT_TRUE(torch::equal(ln->weight, torch::ones_like(ln->weight)));
  EXPECT_TRUE(torch::equal(ln->bias, torch::zeros_like(ln->bias)));
  EXPECT_EQ(m->cls->predictions->bias.abs().sum().item<double>(), 0.0);
}

TEST(ModelShape, DifferenceNamesTheField) {
  ModelShape a = tiny_shape(), b = tiny_shape();
  EXPECT_EQ(a.difference(b), "");
  b.hidden = 32;
  EXPECT_EQ(a.difference(b), "hidden 16 vs 32");
}

}  // namespace
}  // namespace bertforge
