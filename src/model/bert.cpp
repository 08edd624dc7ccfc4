#include "model/bert.h"

#include <cmath>
#include <sstream>

#include "model/attention.h"

namespace bertforge {
namespace nn = torch::nn;

namespace {
nn::LayerNorm layer_norm(const ModelShape& s) {
  return nn::LayerNorm(nn::LayerNormOptions({s.hidden}).eps(s.layer_norm_eps));
}

// LayerNorm in the parameters' dtype: under bf16 autocast its input may be bf16, which LibTorch
// 1.13's CPU kernel does not mix with fp32 weights.
torch::Tensor norm(nn::LayerNorm& ln, const torch::Tensor& x) {
  return ln(x.scalar_type() == ln->weight.scalar_type() ? x : x.to(ln->weight.scalar_type()));
}
}  // namespace

BertEmbeddingsImpl::BertEmbeddingsImpl(const ModelShape& s) : position_offset(s.position_offset()) {
  word_embeddings = register_module("word_embeddings", nn::Embedding(s.vocab_size, s.hidden));
  position_embeddings = register_module("position_embeddings",
                                        nn::Embedding(s.max_position + position_offset, s.hidden));
  token_type_embeddings =
      register_module("token_type_embeddings", nn::Embedding(s.type_vocab_size, s.hidden));
  LayerNorm = register_module("LayerNorm", layer_norm(s));
  dropout = register_module("dropout", Dropout(s.dropout));
}

torch::Tensor BertEmbeddingsImpl::forward(const torch::Tensor& ids, const torch::Tensor& types,
                                          const torch::Tensor& position_ids) {
  const int64_t T = ids.size(1);
  TORCH_CHECK(T + position_offset <= position_embeddings->weight.size(0), "sequence length ", T,
              " exceeds model.max_position ",
              position_embeddings->weight.size(0) - position_offset);
  auto x = word_embeddings(ids) + token_type_embeddings(types);  // (B, T, H)
  if (position_ids.defined())
    return dropout(norm(LayerNorm, x + position_embeddings(position_ids + position_offset)));
  auto pos = torch::arange(position_offset, T + position_offset, ids.options());  // (T)
  x = x + position_embeddings(pos).unsqueeze(0);                                  // (B, T, H)
  return dropout(norm(LayerNorm, x));
}

BertSelfAttentionImpl::BertSelfAttentionImpl(const ModelShape& s)
    : heads(s.heads), head_dim(s.hidden / s.heads) {
  query = register_module("query", Linear(s.hidden, s.hidden));
  key = register_module("key", Linear(s.hidden, s.hidden));
  value = register_module("value", Linear(s.hidden, s.hidden));
  dropout = register_module("dropout", Dropout(s.attention_dropout));
}

torch::Tensor BertSelfAttentionImpl::forward(const torch::Tensor& x, const torch::Tensor& bias) {
  const int64_t B = x.size(0), T = x.size(1);
  // One matmul for the three projections (one cast of x under autocast, one wider GEMM): the
  // weights stay three HF-named parameters and are stacked here.
  auto w = torch::cat({query->weight, key->weight, value->weight});  // (3H, H)
  auto b = torch::cat({query->bias, key->bias, value->bias});        // (3H)
  auto qkv = torch::linear(x, w, b).view({B, T, 3, heads, head_dim}).permute({2, 0, 3, 1, 4});
  // unbind, not qkv[i]: three selects' backward would each zero a full (3, B, h, T, d) gradient.
  const auto parts = qkv.unbind(0);
  const auto &q = parts[0], &k = parts[1], &v = parts[2];                 // (B, h, T, d) each
  auto ctx = attention(q, k, v, bias, is_training() ? dropout->p : 0.0);  // (B, h, T, d)
  return ctx.transpose(1, 2).reshape({B, T, heads * head_dim});           // (B, T, H)
}

BertResidualImpl::BertResidualImpl(int64_t in, const ModelShape& s) {
  dense = register_module("dense", Linear(in, s.hidden));
  LayerNorm = register_module("LayerNorm", layer_norm(s));
  dropout = register_module("dropout", Dropout(s.dropout));
}

torch::Tensor BertResidualImpl::forward(const torch::Tensor& x, const torch::Tensor& residual) {
  return norm(LayerNorm, dense->forward_residual(x, dropout->p, dropout->is_training(), residual));
}

BertAttentionImpl::BertAttentionImpl(const ModelShape& s) {
  self = register_module("self", BertSelfAttention(s));
  output = register_module("output", BertResidual(s.hidden, s));
}

torch::Tensor BertAttentionImpl::forward(const torch::Tensor& x, const torch::Tensor& bias) {
  return output(self(x, bias), x);
}

BertDenseImpl::BertDenseImpl(int64_t in, int64_t out) {
  dense = register_module("dense", Linear(in, out));
}

torch::Tensor BertDenseImpl::forward(const torch::Tensor& x) { return dense->forward_gelu(x); }

BertLayerImpl::BertLayerImpl(const ModelShape& s) {
  attention = register_module("attention", BertAttention(s));
  intermediate = register_module("intermediate", BertDense(s.hidden, s.intermediate));
  output = register_module("output", BertResidual(s.intermediate, s));
}

torch::Tensor BertLayerImpl::forward(const torch::Tensor& x, const torch::Tensor& bias) {
  auto a = attention(x, bias);        // (B, T, H)
  return output(intermediate(a), a);  // (B, T, H)
}

BertEncoderImpl::BertEncoderImpl(const ModelShape& s) {
  layer = register_module("layer", nn::ModuleList());
  for (int64_t i = 0; i < s.layers; ++i) layer->push_back(BertLayer(s));
}

torch::Tensor BertEncoderImpl::forward(torch::Tensor x, const torch::Tensor& bias) {
  for (const auto& l : *layer) x = l->as<BertLayer>()->forward(x, bias);
  return x;
}

BertPoolerImpl::BertPoolerImpl(const ModelShape& s) {
  dense = register_module("dense", Linear(s.hidden, s.hidden));
}

torch::Tensor BertPoolerImpl::forward(const torch::Tensor& sequence,
                                      const torch::Tensor& cls_positions) {
  if (cls_positions.defined())
    return torch::tanh(
        dense(sequence.reshape({-1, sequence.size(2)}).index_select(0, cls_positions)));  // (B,H)
  return torch::tanh(dense(sequence.select(1, 0)));                                       // (B, H)
}

BertModelImpl::BertModelImpl(const ModelShape& s, bool with_pooler) {
  embeddings = register_module("embeddings", BertEmbeddings(s));
  encoder = register_module("encoder", BertEncoder(s));
  if (with_pooler) pooler = register_module("pooler", BertPooler(s));
}

std::pair<torch::Tensor, torch::Tensor> BertModelImpl::forward(const torch::Tensor& ids,
                                                               const torch::Tensor& types,
                                                               const torch::Tensor& attention_mask,
                                                               const PackedLayout& packed) {
  if (packed.defined()) {
    auto x = embeddings(ids, types, packed.position_ids);                     // (R, T, H)
    auto seq = encoder(x, packed.attention_bias(x.scalar_type(), -10000.0));  // (R, T, H)
    if (!pooler) return {seq, {}};
    return {seq, pooler(seq, packed.cls_positions)};
  }
  auto x = embeddings(ids, types);  // (B, T, H)
  // Additive mask: 0 on real tokens, -10000 on padding, broadcast over heads and queries.
  auto bias = ((1.0 - attention_mask.to(x.dtype())) * -10000.0)
                  .view({ids.size(0), 1, 1, ids.size(1)});  // (B, 1, 1, T)
  if (packed.causal)                                        // later keys hidden too: (B, 1, T, T)
    bias = bias + torch::where(causal_keys(ids.size(1), ids.device()), 0.0, -10000.0)
                      .to(x.dtype())
                      .view({1, 1, ids.size(1), ids.size(1)});
  auto seq = encoder(x, bias);  // (B, T, H)
  if (!pooler) return {seq, {}};
  return {seq, pooler(seq)};
}

PredictionTransformImpl::PredictionTransformImpl(const ModelShape& s) {
  dense = register_module("dense", Linear(s.hidden, s.hidden));
  LayerNorm = register_module("LayerNorm", layer_norm(s));
}

torch::Tensor PredictionTransformImpl::forward(const torch::Tensor& x) {
  return norm(LayerNorm, dense->forward_gelu(x));
}

LMPredictionHeadImpl::LMPredictionHeadImpl(const ModelShape& s) {
  transform = register_module("transform", PredictionTransform(s));
  bias = register_parameter("bias", torch::zeros({s.vocab_size}));
}

torch::Tensor LMPredictionHeadImpl::forward(const torch::Tensor& x,
                                            const torch::Tensor& decoder_weight) {
  return torch::addmm(bias, transform(x), decoder_weight.t());  // (M, V)
}

PreTrainingHeadsImpl::PreTrainingHeadsImpl(const ModelShape& s) {
  predictions = register_module("predictions", LMPredictionHead(s));
  seq_relationship = register_module("seq_relationship", Linear(s.hidden, 2));
}

BertForPreTrainingImpl::BertForPreTrainingImpl(const ModelShape& s) : PreTrainingModel(s) {
  bert = register_module("bert", BertModel(s));
  cls = register_module("cls", PreTrainingHeads(s));
}

PreTrainingOutput BertForPreTrainingImpl::forward(const torch::Tensor& ids,
                                                  const torch::Tensor& types,
                                                  const torch::Tensor& attention_mask,
                                                  const torch::Tensor& positions,
                                                  const PackedLayout& packed) {
  auto [seq, pooled] = bert(ids, types, attention_mask, packed);  // (B, T, H), (B, H)
  auto at_masks = gather_head_rows(seq, positions);               // (M', H)
  PreTrainingOutput out;
  out.mlm_logits = head_rows(cls->predictions(at_masks, bert->embeddings->word_embeddings->weight),
                             positions);           // (M,V)
  out.nsp_logits = cls->seq_relationship(pooled);  // (B, 2)
  return out;
}

void BertForPreTrainingImpl::init_weights(at::Generator gen) {
  init_bert_weights(*this, shape_.initializer_range, gen);
}

void init_bert_weights(torch::nn::Module& m, double range, at::Generator gen) {
  torch::NoGradGuard no_grad;
  for (auto& item : m.named_parameters()) {
    const std::string& name = item.key();
    auto& p = item.value();
    auto ends_with = [&](const std::string& suffix) {
      return name.size() >= suffix.size() &&
             name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0;
    };
    if (name.find("LayerNorm") != std::string::npos || name.find("layer_norm") != std::string::npos)
      ends_with("weight") ? p.fill_(1.0) : p.zero_();
    else if (ends_with("bias"))
      p.zero_();
    else
      p.normal_(0.0, range, gen);
  }
}

}  // namespace bertforge
