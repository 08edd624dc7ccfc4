// RoBERTa with its MLM head, as LibTorch modules: BERT's post-LayerNorm encoder (model/bert.h's
// modules, without the pooler) whose positions start at the [PAD] id + 1, one token type, no NSP.
// Parameter names follow HuggingFace's RobertaForMaskedLM ("roberta.encoder.layer.0...",
// "lm_head.dense.weight", "lm_head.layer_norm.weight", "lm_head.bias"; the decoder is tied to the
// word embeddings), so export is a copy.
#pragma once

#include <torch/torch.h>

#include "model/bert.h"
#include "model/model.h"

namespace bertforge {

// "lm_head": dense, GELU, layer_norm, then the decoder tied to the word embeddings, plus a bias.
struct RobertaLMHeadImpl : torch::nn::Module {
  explicit RobertaLMHeadImpl(const ModelShape& s);
  // x: (M, H), decoder_weight: (V, H) -> (M, V)
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& decoder_weight);
  Linear dense{nullptr};
  torch::nn::LayerNorm layer_norm{nullptr};
  torch::Tensor bias;
};
TORCH_MODULE(RobertaLMHead);

struct RobertaForMaskedLMImpl : PreTrainingModel {
  explicit RobertaForMaskedLMImpl(const ModelShape& s);
  PreTrainingOutput forward(const torch::Tensor& ids, const torch::Tensor& types,
                            const torch::Tensor& attention_mask, const torch::Tensor& positions,
                            const PackedLayout& packed = {}) override;
  // BERT's initialisation (init_bert_weights).
  void init_weights(at::Generator gen) override;
  std::vector<std::string> vocab_parameters() const override {
    return {"roberta.embeddings.word_embeddings.weight", "lm_head.bias"};
  }

  BertModel roberta{nullptr};
  RobertaLMHead lm_head{nullptr};
};

}  // namespace bertforge
