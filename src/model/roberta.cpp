#include "model/roberta.h"

namespace bertforge {
namespace nn = torch::nn;

RobertaLMHeadImpl::RobertaLMHeadImpl(const ModelShape& s) {
  dense = register_module("dense", Linear(s.hidden, s.hidden));
  layer_norm = register_module(
      "layer_norm", nn::LayerNorm(nn::LayerNormOptions({s.hidden}).eps(s.layer_norm_eps)));
  bias = register_parameter("bias", torch::zeros({s.vocab_size}));
}

torch::Tensor RobertaLMHeadImpl::forward(const torch::Tensor& x,
                                         const torch::Tensor& decoder_weight) {
  auto h = dense->forward_gelu(x);  // (M, H)
  // In the parameters' dtype: LibTorch 1.13's CPU LayerNorm does not mix bf16 input and fp32
  // weights (see bert.cpp).
  h = layer_norm(h.scalar_type() == layer_norm->weight.scalar_type()
                     ? h
                     : h.to(layer_norm->weight.scalar_type()));
  return torch::addmm(bias, h, decoder_weight.t());  // (M, V)
}

RobertaForMaskedLMImpl::RobertaForMaskedLMImpl(const ModelShape& s) : PreTrainingModel(s) {
  roberta = register_module("roberta", BertModel(s, /*with_pooler=*/false));
  lm_head = register_module("lm_head", RobertaLMHead(s));
}

PreTrainingOutput RobertaForMaskedLMImpl::forward(const torch::Tensor& ids,
                                                  const torch::Tensor& types,
                                                  const torch::Tensor& attention_mask,
                                                  const torch::Tensor& positions,
                                                  const PackedLayout& packed) {
  auto seq = roberta(ids, types, attention_mask, packed).first;               // (B, T, H)
  auto at_masks = seq.reshape({-1, seq.size(2)}).index_select(0, positions);  // (M, H)
  PreTrainingOutput out;
  out.mlm_logits = lm_head(at_masks, roberta->embeddings->word_embeddings->weight);  // (M, V)
  return out;
}

void RobertaForMaskedLMImpl::init_weights(at::Generator gen) {
  init_bert_weights(*this, shape_.initializer_range, gen);
}

}  // namespace bertforge
