// A pretrained encoder with a task head, laid out and named as HuggingFace's classes, so that
// checkpoints and exports are copies by name:
//   bert        BertForSequenceClassification: "bert.*" (pooler included), "classifier.*";
//               pooling cls = the pooler's tanh(dense([CLS])), mean = the mean of the tokens.
//               BertForTokenClassification: "bert.*" without the pooler, "classifier.*".
//   modernbert  ModernBertFor{Sequence,Token}Classification: "model.*", "head.*" (dense, GELU,
//               norm: the MLM head's, as HF loads it), "classifier.*"; pooling cls = the final
//               hidden state at [CLS], mean = over the tokens (HF's classifier_pooling).
// Then dropout and the classifier (num_labels outputs; 1 for regression).
#pragma once

#include <torch/torch.h>

#include <string>

#include "model/bert.h"
#include "model/dropout.h"
#include "model/model.h"
#include "model/modernbert.h"

namespace bertforge {

struct HeadSpec {
  std::string task = "classification";  // classification | regression | token_classification
  std::string pooling = "cls";          // cls | mean (resolved; sequence tasks)
  int num_labels = 2;                   // outputs of the classifier (1 for regression)
  double dropout = 0.1;
  bool token_level() const { return task == "token_classification"; }
};

// "auto" resolved for `architecture`: cls for bert, mean for modernbert.
std::string resolve_pooling(const std::string& pooling, const std::string& architecture);

struct ClassifierModelImpl : torch::nn::Module {
  // Takes the encoder (and, for modernbert, the head) of `backbone`, which keeps its weights.
  // Throws ConfigError for an architecture without a classification head here.
  ClassifierModelImpl(const ModelPtr& backbone, const HeadSpec& spec);
  // ids, types, attention_mask (B, T) int64 -> logits (B, L), or (B, T, L) for token tasks.
  torch::Tensor forward(const torch::Tensor& ids, const torch::Tensor& types,
                        const torch::Tensor& attention_mask);
  // The classifier's initialisation (HF's: normal(0, initializer_range), bias 0) from `gen`.
  void init_head(at::Generator gen);
  // The parameters an export writes (BertForTokenClassification has no pooler).
  std::vector<std::pair<std::string, torch::Tensor>> export_tensors();
  const ModelShape& shape() const { return shape_; }
  const HeadSpec& spec() const { return spec_; }

  BertModel bert{nullptr};
  ModernBertModel model{nullptr};
  ModernBertHead head{nullptr};
  Dropout drop{nullptr};
  Linear classifier{nullptr};

 private:
  ModelShape shape_;
  HeadSpec spec_;
};
TORCH_MODULE(ClassifierModel);

}  // namespace bertforge
