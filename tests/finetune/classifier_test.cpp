#include "finetune/classifier.h"

#include <gtest/gtest.h>

#include "finetune/batches.h"

namespace bertforge {
namespace {

ModelShape tiny(const std::string& arch) {
  ModelShape s;
  s.architecture = arch;
  s.vocab_size = 40;
  s.hidden = 16;
  s.layers = 1;
  s.heads = 2;
  s.intermediate = 32;
  s.max_position = 32;
  s.dropout = s.attention_dropout = 0.0;
  return s;
}

ClassifierModel make(const std::string& arch, const std::string& task, const std::string& pool) {
  ModelPtr backbone = make_model(tiny(arch));
  backbone->init_weights(at::make_generator<at::CPUGeneratorImpl>(7));
  HeadSpec h;
  h.task = task;
  h.pooling = pool;
  h.num_labels = 3;
  h.dropout = 0.0;
  ClassifierModel m(backbone, h);
  m->init_head(at::make_generator<at::CPUGeneratorImpl>(8));
  m->eval();
  return m;
}

bool has(ClassifierModel& m, const std::string& name) {
  return m->named_parameters().find(name) != nullptr;
}

// The names transformers' classes use, so that export is a copy by name.
TEST(Classifier, HuggingFaceNames) {
  auto bert = make("bert", "classification", "cls");
  EXPECT_TRUE(has(bert, "bert.pooler.dense.weight"));
  EXPECT_TRUE(has(bert, "bert.embeddings.word_embeddings.weight"));
  EXPECT_TRUE(has(bert, "classifier.weight"));
  EXPECT_FALSE(has(bert, "cls.predictions.bias"));
  auto tok = make("bert", "token_classification", "cls");
  for (const auto& [name, t] : tok->export_tensors())
    EXPECT_NE(name.rfind("bert.pooler.", 0), 0u) << name;
  auto mb = make("modernbert", "classification", "mean");
  EXPECT_TRUE(has(mb, "model.embeddings.tok_embeddings.weight"));
  EXPECT_TRUE(has(mb, "head.dense.weight"));
  EXPECT_TRUE(has(mb, "head.norm.weight"));
  EXPECT_FALSE(has(mb, "decoder.bias"));
}

// Padding does not change an example's output: alone, or padded in a batch beside a longer one.
TEST(Classifier, PaddingIsMaskedForEveryPooling) {
  for (const char* arch : {"bert", "modernbert"})
    for (const char* pool : {"cls", "mean"}) {
      auto m = make(arch, "classification", pool);
      torch::NoGradGuard ng;
      auto ids = torch::tensor({{2, 7, 8, 3, 0, 0}, {2, 9, 10, 11, 12, 3}});
      auto mask = (ids != 0).to(torch::kInt64);
      mask[1].fill_(1);
      auto batch = m->forward(ids, torch::zeros_like(ids), mask);
      auto alone_ids = torch::tensor({{2, 7, 8, 3}});
      auto alone = m->forward(alone_ids, torch::zeros_like(alone_ids), torch::ones_like(alone_ids));
      EXPECT_EQ(batch.sizes(), (std::vector<int64_t>{2, 3}));
      EXPECT_TRUE(torch::allclose(batch[0], alone[0], 1e-5, 1e-5)) << arch << " " << pool;
    }
}

TEST(Classifier, TokenLogitsAndLoss) {
  auto m = make("bert", "token_classification", "cls");
  torch::NoGradGuard ng;
  std::vector<EncodedExample> ex(2);
  ex[0].ids = {2, 7, 8, 3};
  ex[0].types = {0, 0, 0, 0};
  ex[0].tag_ids = {kIgnore, 1, kIgnore, kIgnore};
  ex[1].ids = {2, 9, 3};
  ex[1].types = {0, 0, 0};
  ex[1].tag_ids = {kIgnore, 2, kIgnore};
  const std::vector<size_t> order = {0, 1};
  LabelledBatch b = make_batch(ex, order, 0, 2, 0, "token_classification");
  EXPECT_EQ(b.labels[1][3].item<int64_t>(), kIgnore);  // padding is ignored
  auto logits = m->forward(b.ids, b.types, b.mask);
  EXPECT_EQ(logits.sizes(), (std::vector<int64_t>{2, 4, 3}));
  // The loss is the mean cross-entropy of the two labelled positions only.
  auto lp = torch::log_softmax(logits, -1);
  const double expect = -(lp[0][1][1].item<double>() + lp[1][1][2].item<double>()) / 2;
  EXPECT_NEAR(task_loss(logits, b, "token_classification").item<double>(), expect, 1e-5);
}

}  // namespace
}  // namespace bertforge
