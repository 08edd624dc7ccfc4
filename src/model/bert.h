// The BERT encoder with its pre-training heads (MLM + NSP), as LibTorch modules.
// Parameter names follow HuggingFace's BertForPreTraining ("bert.encoder.layer.0.attention.self.
// query.weight", "cls.predictions.transform.dense.weight", ...), so export is a copy.
#pragma once

#include <torch/torch.h>

#include "config/config.h"
#include "model/dropout.h"
#include "model/linear.h"
#include "model/model.h"

namespace bertforge {

struct BertEmbeddingsImpl : torch::nn::Module {
  explicit BertEmbeddingsImpl(const ModelShape& s);
  // ids, types: (B, T) int64 -> (B, T, H); position_ids (B, T), default 0..T-1 in every row.
  // RoBERTa's positions start at pad_id + 1 (ModelShape::position_offset): the table has that
  // many more rows, and position p reads row p + offset.
  torch::Tensor forward(const torch::Tensor& ids, const torch::Tensor& types,
                        const torch::Tensor& position_ids = {});
  torch::nn::Embedding word_embeddings{nullptr}, position_embeddings{nullptr},
      token_type_embeddings{nullptr};
  torch::nn::LayerNorm LayerNorm{nullptr};
  Dropout dropout{nullptr};
  int64_t position_offset = 0;
};
TORCH_MODULE(BertEmbeddings);

struct BertSelfAttentionImpl : torch::nn::Module {
  explicit BertSelfAttentionImpl(const ModelShape& s);
  // x: (B, T, H), bias: (B, 1, 1 or T, T) additive mask -> (B, T, H)
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& bias);
  Linear query{nullptr}, key{nullptr}, value{nullptr};
  Dropout dropout{nullptr};
  int64_t heads, head_dim;
};
TORCH_MODULE(BertSelfAttention);

// Dense + dropout + residual + LayerNorm (HF's BertSelfOutput and BertOutput).
struct BertResidualImpl : torch::nn::Module {
  BertResidualImpl(int64_t in, const ModelShape& s);
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& residual);
  Linear dense{nullptr};
  torch::nn::LayerNorm LayerNorm{nullptr};
  Dropout dropout{nullptr};
};
TORCH_MODULE(BertResidual);

struct BertAttentionImpl : torch::nn::Module {
  explicit BertAttentionImpl(const ModelShape& s);
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& bias);
  BertSelfAttention self{nullptr};
  BertResidual output{nullptr};
};
TORCH_MODULE(BertAttention);

struct BertDenseImpl : torch::nn::Module {  // HF's BertIntermediate: dense + GELU
  BertDenseImpl(int64_t in, int64_t out);
  torch::Tensor forward(const torch::Tensor& x);
  Linear dense{nullptr};
};
TORCH_MODULE(BertDense);

struct BertLayerImpl : torch::nn::Module {
  explicit BertLayerImpl(const ModelShape& s);
  // (B, T, H) -> (B, T, H)
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& bias);
  BertAttention attention{nullptr};
  BertDense intermediate{nullptr};
  BertResidual output{nullptr};
};
TORCH_MODULE(BertLayer);

struct BertEncoderImpl : torch::nn::Module {
  explicit BertEncoderImpl(const ModelShape& s);
  torch::Tensor forward(torch::Tensor x, const torch::Tensor& bias);
  torch::nn::ModuleList layer{nullptr};
};
TORCH_MODULE(BertEncoder);

struct BertPoolerImpl : torch::nn::Module {
  explicit BertPoolerImpl(const ModelShape& s);
  // (R, T, H) -> (B, H), tanh on [CLS]: at cls_positions (B flat indices into R*T) when given,
  // else at each row's first position (B = R).
  torch::Tensor forward(const torch::Tensor& sequence, const torch::Tensor& cls_positions = {});
  Linear dense{nullptr};
};
TORCH_MODULE(BertPooler);

struct BertModelImpl : torch::nn::Module {
  // `with_pooler` false: no pooler (RobertaForMaskedLM's encoder), `pooled` is undefined.
  explicit BertModelImpl(const ModelShape& s, bool with_pooler = true);
  // ids, types, attention_mask: (R, T). Returns (sequence (R, T, H), pooled (B, H)); `packed`:
  // block-diagonal attention, restarted positions and [CLS] per example (see PackedLayout).
  std::pair<torch::Tensor, torch::Tensor> forward(const torch::Tensor& ids,
                                                  const torch::Tensor& types,
                                                  const torch::Tensor& attention_mask,
                                                  const PackedLayout& packed = {});
  BertEmbeddings embeddings{nullptr};
  BertEncoder encoder{nullptr};
  BertPooler pooler{nullptr};
};
TORCH_MODULE(BertModel);

struct PredictionTransformImpl : torch::nn::Module {
  explicit PredictionTransformImpl(const ModelShape& s);
  torch::Tensor forward(const torch::Tensor& x);  // (M, H) -> (M, H): dense, GELU, LayerNorm
  Linear dense{nullptr};
  torch::nn::LayerNorm LayerNorm{nullptr};
};
TORCH_MODULE(PredictionTransform);

// "cls.predictions": transform, then the decoder tied to the word embeddings, plus a bias.
struct LMPredictionHeadImpl : torch::nn::Module {
  explicit LMPredictionHeadImpl(const ModelShape& s);
  // x: (M, H), decoder_weight: (V, H) -> (M, V)
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& decoder_weight);
  PredictionTransform transform{nullptr};
  torch::Tensor bias;
};
TORCH_MODULE(LMPredictionHead);

// "cls": the two pre-training heads.
struct PreTrainingHeadsImpl : torch::nn::Module {
  explicit PreTrainingHeadsImpl(const ModelShape& s);
  LMPredictionHead predictions{nullptr};
  Linear seq_relationship{nullptr};  // (H) -> 2
};
TORCH_MODULE(PreTrainingHeads);

struct BertForPreTrainingImpl : PreTrainingModel {
  explicit BertForPreTrainingImpl(const ModelShape& s);
  PreTrainingOutput forward(const torch::Tensor& ids, const torch::Tensor& types,
                            const torch::Tensor& attention_mask, const torch::Tensor& positions,
                            const PackedLayout& packed = {}) override;
  // normal(0, initializer_range) weights, zero biases, LayerNorm 1/0, drawn from `gen`.
  void init_weights(at::Generator gen) override;
  std::string nsp_prefix() const override { return "cls.seq_relationship"; }
  std::vector<std::string> vocab_parameters() const override {
    return {"bert.embeddings.word_embeddings.weight", "cls.predictions.bias"};
  }

  BertModel bert{nullptr};
  PreTrainingHeads cls{nullptr};
};
TORCH_MODULE(BertForPreTraining);

// BERT's initialisation of every parameter of `m`: LayerNorm (and layer_norm) weights 1, biases 0,
// the rest normal(0, range), drawn from `gen`.
void init_bert_weights(torch::nn::Module& m, double range, at::Generator gen);

}  // namespace bertforge
