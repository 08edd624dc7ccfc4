// RoBERTa (model/roberta.h): HF's RobertaForMaskedLM names, positions from pad_id + 1, the MLM head
// against its formula written out here, packed batches equal to separate examples.
// tests/interop/hf_models_test.py checks the whole model against transformers.
#include "model/roberta.h"

#include <gtest/gtest.h>

namespace bertforge {
namespace {

ModelShape roberta_shape(int64_t pad_id) {
  ModelShape s;
  s.architecture = "roberta";
  s.vocab_size = 40, s.hidden = 16, s.layers = 2, s.heads = 2, s.intermediate = 32;
  s.max_position = 12, s.type_vocab_size = 1, s.pad_id = pad_id;
  return s;
}

std::shared_ptr<RobertaForMaskedLMImpl> make_roberta(int64_t pad_id) {
  auto m = std::make_shared<RobertaForMaskedLMImpl>(roberta_shape(pad_id));
  m->init_weights(at::make_generator<at::CPUGeneratorImpl>(3));
  {  // LayerNorm weights and biases away from 1 and 0, so that the test sees them
    torch::NoGradGuard ng;
    for (auto& p : m->parameters()) p.add_(torch::randn(p.sizes()) * 0.1);
  }
  m->eval();
  return m;
}

TEST(Roberta, HuggingFaceNamesAndPositionTable) {
  auto m = make_roberta(1);
  auto params = m->named_parameters();
  for (const char* name :
       {"roberta.embeddings.word_embeddings.weight",
        "roberta.embeddings.token_type_embeddings.weight", "roberta.embeddings.LayerNorm.bias",
        "roberta.encoder.layer.1.attention.self.key.weight",
        "roberta.encoder.layer.0.output.LayerNorm.weight", "lm_head.dense.weight",
        "lm_head.layer_norm.weight", "lm_head.layer_norm.bias", "lm_head.bias"})
    EXPECT_NE(params.find(name), nullptr) << name;
  EXPECT_EQ(params.find("roberta.pooler.dense.weight"), nullptr);
  // 12 positions after rows 0 .. pad_id: HF's max_position_embeddings 14.
  EXPECT_EQ(params["roberta.embeddings.position_embeddings.weight"].size(0), 14);
  EXPECT_EQ(roberta_shape(1).position_offset(), 2);
  EXPECT_EQ(m->nsp_prefix(), "");
}

TEST(Roberta, EmbeddingsReadPositionsFromPadIdPlusOne) {
  auto m = make_roberta(1);
  auto& e = *m->roberta->embeddings;
  auto ids = torch::tensor({{0, 7, 9, 2}}, torch::kInt64);
  auto types = torch::zeros_like(ids);
  auto got = e.forward(ids, types);
  // LN(word[id] + position[2 + i] + type[0]), written out.
  auto x = e.word_embeddings->weight.index_select(0, ids[0]) +
           e.position_embeddings->weight.narrow(0, 2, 4) + e.token_type_embeddings->weight[0];
  auto mean = x.mean(-1, true), var = (x - mean).pow(2).mean(-1, true);
  auto want = (x - mean) / torch::sqrt(var + 1e-12) * e.LayerNorm->weight + e.LayerNorm->bias;
  EXPECT_TRUE(torch::allclose(got[0], want, 1e-5, 1e-5));
  // Packed: the position ids restart per example and get the same offset.
  auto packed = e.forward(ids, types, torch::arange(4, torch::kInt64).view({1, 4}));
  EXPECT_TRUE(torch::allclose(packed, got, 1e-6, 1e-6));
}

TEST(Roberta, MlmHeadIsDenseGeluLayerNormThenTiedDecoder) {
  auto m = make_roberta(0);
  auto ids = torch::tensor({{2, 11, 4, 17, 3}}, torch::kInt64);
  auto out = m->forward(ids, torch::zeros_like(ids), torch::ones_like(ids),
                        torch::tensor({2}, torch::kInt64));
  auto seq = m->roberta->forward(ids, torch::zeros_like(ids), torch::ones_like(ids)).first;
  auto& h = *m->lm_head;
  auto x = torch::gelu(torch::matmul(seq[0][2], h.dense->weight.t()) + h.dense->bias);
  x = (x - x.mean()) / torch::sqrt((x - x.mean()).pow(2).mean() + 1e-12) * h.layer_norm->weight +
      h.layer_norm->bias;
  auto want = torch::matmul(m->roberta->embeddings->word_embeddings->weight, x) + h.bias;
  ASSERT_EQ(out.mlm_logits.sizes(), (std::vector<int64_t>{1, 40}));
  EXPECT_TRUE(torch::allclose(out.mlm_logits[0], want, 1e-4, 1e-4));
  EXPECT_FALSE(out.nsp_logits.defined());
}

TEST(Roberta, ShapeDifferenceNamesThePadId) {
  EXPECT_EQ(roberta_shape(1).difference(roberta_shape(0)), "pad_id 1 vs 0");
  EXPECT_EQ(roberta_shape(1).difference(roberta_shape(1)), "");
}

}  // namespace
}  // namespace bertforge
