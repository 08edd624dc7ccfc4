// ModernBERT (HuggingFace's ModernBertForMaskedLM) as LibTorch modules: pre-LayerNorm without
// biases, rotary position embeddings (one base for global and one for local layers), GeGLU
// feed-forward, local sliding-window attention with a global layer every global_attn_every_n_layers
// layers, a final norm and the prediction head (dense, GELU, norm) with the decoder tied to the
// embeddings. No token types and no NSP head. Parameter names are HF's
// ("model.layers.0.attn.Wqkv.weight", "head.dense.weight", "decoder.bias"), so export and import
// are copies by name.
#pragma once

#include <torch/torch.h>

#include "model/dropout.h"
#include "model/linear.h"
#include "model/model.h"

namespace bertforge {

// LayerNorm without a bias (HF's norm_bias false): parameter "weight" only.
struct BiasFreeNormImpl : torch::nn::Module {
  BiasFreeNormImpl(int64_t hidden, double eps);
  torch::Tensor forward(const torch::Tensor& x);  // (..., H) -> (..., H)
  torch::Tensor weight;
  double eps;
};
TORCH_MODULE(BiasFreeNorm);

struct ModernBertEmbeddingsImpl : torch::nn::Module {  // tok_embeddings, norm, dropout
  explicit ModernBertEmbeddingsImpl(const ModelShape& s);
  torch::Tensor forward(const torch::Tensor& ids);  // (B, T) -> (B, T, H)
  torch::nn::Embedding tok_embeddings{nullptr};
  BiasFreeNorm norm{nullptr};
  Dropout drop{nullptr};
};
TORCH_MODULE(ModernBertEmbeddings);

struct ModernBertAttentionImpl : torch::nn::Module {  // Wqkv, rotary, attention, Wo
  ModernBertAttentionImpl(const ModelShape& s, double rope_theta);
  // x: (B, T, H); bias: additive (B, 1, 1 or T, T) -> (B, T, H); position_ids (B, T): the rotary
  // positions, default 0..T-1 in every row.
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& bias,
                        const torch::Tensor& position_ids = {});
  Linear Wqkv{nullptr}, Wo{nullptr};
  Dropout drop{nullptr};
  int64_t heads, head_dim;
  double theta, attention_dropout;
};
TORCH_MODULE(ModernBertAttention);

struct ModernBertMLPImpl : torch::nn::Module {  // GeGLU: Wo(drop(gelu(input) * gate))
  explicit ModernBertMLPImpl(const ModelShape& s);
  torch::Tensor forward(const torch::Tensor& x);
  Linear Wi{nullptr}, Wo{nullptr};
  Dropout drop{nullptr};
};
TORCH_MODULE(ModernBertMLP);

struct ModernBertLayerImpl : torch::nn::Module {
  ModernBertLayerImpl(const ModelShape& s, int64_t index);
  // x = x + attn(attn_norm(x)); x = x + mlp(mlp_norm(x)); layer 0 has no attn_norm (HF: Identity).
  torch::Tensor forward(torch::Tensor x, const torch::Tensor& bias,
                        const torch::Tensor& position_ids = {});
  BiasFreeNorm attn_norm{nullptr}, mlp_norm{nullptr};
  ModernBertAttention attn{nullptr};
  ModernBertMLP mlp{nullptr};
  bool global;
};
TORCH_MODULE(ModernBertLayer);

struct ModernBertModelImpl : torch::nn::Module {  // "model": embeddings, layers, final_norm
  explicit ModernBertModelImpl(const ModelShape& s);
  // `packed`: attention within each example only (also inside the local window), rotary positions
  // restarted per example.
  torch::Tensor forward(const torch::Tensor& ids, const torch::Tensor& attention_mask,
                        const PackedLayout& packed = {});
  ModernBertEmbeddings embeddings{nullptr};
  torch::nn::ModuleList layers{nullptr};
  BiasFreeNorm final_norm{nullptr};
  int64_t local_window;
};
TORCH_MODULE(ModernBertModel);

struct ModernBertHeadImpl : torch::nn::Module {  // "head": norm(gelu(dense(x)))
  explicit ModernBertHeadImpl(const ModelShape& s);
  torch::Tensor forward(const torch::Tensor& x);
  Linear dense{nullptr};
  BiasFreeNorm norm{nullptr};
};
TORCH_MODULE(ModernBertHead);

struct DecoderBiasImpl : torch::nn::Module {  // "decoder": the bias; the weight is tied
  explicit DecoderBiasImpl(int64_t vocab);
  torch::Tensor bias;
};
TORCH_MODULE(DecoderBias);

struct ModernBertForMaskedLMImpl : PreTrainingModel {
  explicit ModernBertForMaskedLMImpl(const ModelShape& s);
  // `types` is ignored (no token types); nsp_logits is left undefined.
  PreTrainingOutput forward(const torch::Tensor& ids, const torch::Tensor& types,
                            const torch::Tensor& attention_mask, const torch::Tensor& positions,
                            const PackedLayout& packed = {}) override;
  // The final hidden states after final_norm: (B, T, H).
  torch::Tensor encode(const torch::Tensor& ids, const torch::Tensor& attention_mask,
                       const PackedLayout& packed = {});
  // HF's init: truncated normal (+-2 std); std initializer_range for the embeddings, Wqkv and
  // Wi, initializer_range / sqrt(2 layers) for the output projections (Wo) and head.dense; norms
  // 1; the decoder bias 0.
  void init_weights(at::Generator gen) override;
  std::vector<std::string> vocab_parameters() const override {
    return {"model.embeddings.tok_embeddings.weight", "decoder.bias"};
  }

  ModernBertModel model{nullptr};
  ModernBertHead head{nullptr};
  DecoderBias decoder{nullptr};
};
TORCH_MODULE(ModernBertForMaskedLM);

}  // namespace bertforge
