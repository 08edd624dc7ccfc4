#include "model/modernbert.h"

#include <cmath>

#include "model/attention.h"
#include "model/geglu.h"

namespace bertforge {
namespace nn = torch::nn;

namespace {

Linear linear(int64_t in, int64_t out) { return Linear(nn::LinearOptions(in, out).bias(false)); }

// (..., d) -> (..., d): [-x2, x1] for x = [x1, x2] (the rotate-half layout of HF's RoPE).
torch::Tensor rotate_half(const torch::Tensor& x) {
  const int64_t half = x.size(-1) / 2;
  return torch::cat({-x.narrow(-1, half, half), x.narrow(-1, 0, half)}, -1);
}

// cos and sin (T, d) of positions 0..T-1 (or (B, 1, T, d) of `position_ids` (B, T) when given):
// inv_freq_i = theta^(-2i/d), repeated for both halves.
std::pair<torch::Tensor, torch::Tensor> rotary_tables(int64_t T, int64_t d, double theta,
                                                      const torch::Device& device,
                                                      const torch::Tensor& position_ids) {
  auto f32 = torch::TensorOptions().dtype(torch::kFloat32).device(device);
  auto inv_freq = torch::pow(theta, torch::arange(0, d, 2, f32) / static_cast<double>(-d));
  if (position_ids.defined()) {
    auto freqs = position_ids.to(torch::kFloat32).unsqueeze(-1) * inv_freq;  // (B, T, d/2)
    auto emb = torch::cat({freqs, freqs}, -1).unsqueeze(1);                  // (B, 1, T, d)
    return {emb.cos(), emb.sin()};
  }
  auto freqs = torch::outer(torch::arange(T, f32), inv_freq);  // (T, d/2)
  auto emb = torch::cat({freqs, freqs}, -1);                   // (T, d)
  return {emb.cos(), emb.sin()};
}

// Fills `p` from N(0, std^2) truncated to +-2 std (inverse CDF of a uniform draw).
void trunc_normal(torch::Tensor& p, double std, at::Generator& gen) {
  const double lo = 0.5 * (1 + std::erf(-2.0 / std::sqrt(2.0)));
  const double hi = 1 - lo;
  p.uniform_(2 * lo - 1, 2 * hi - 1, gen);  // 2u - 1 for u in [lo, hi]
  p.erfinv_().mul_(std * std::sqrt(2.0)).clamp_(-2 * std, 2 * std);
}

}  // namespace

BiasFreeNormImpl::BiasFreeNormImpl(int64_t hidden, double eps_) : eps(eps_) {
  weight = register_parameter("weight", torch::ones({hidden}));
}

torch::Tensor BiasFreeNormImpl::forward(const torch::Tensor& x) {
  // In the weight's dtype: under bf16 autocast x may be bf16 (see bert.cpp's norm()).
  auto in = x.scalar_type() == weight.scalar_type() ? x : x.to(weight.scalar_type());
  return torch::layer_norm(in, {weight.size(0)}, weight, {}, eps);
}

ModernBertEmbeddingsImpl::ModernBertEmbeddingsImpl(const ModelShape& s) {
  tok_embeddings = register_module("tok_embeddings", nn::Embedding(s.vocab_size, s.hidden));
  norm = register_module("norm", BiasFreeNorm(s.hidden, s.layer_norm_eps));
  drop = register_module("drop", Dropout(s.dropout));
}

torch::Tensor ModernBertEmbeddingsImpl::forward(const torch::Tensor& ids) {
  return drop(norm(tok_embeddings(ids)));
}

ModernBertAttentionImpl::ModernBertAttentionImpl(const ModelShape& s, double rope_theta)
    : heads(s.heads),
      head_dim(s.hidden / s.heads),
      theta(rope_theta),
      attention_dropout(s.attention_dropout) {
  Wqkv = register_module("Wqkv", linear(s.hidden, 3 * s.hidden));
  Wo = register_module("Wo", linear(s.hidden, s.hidden));
  drop = register_module("out_drop", Dropout(s.attention_dropout));
}

torch::Tensor ModernBertAttentionImpl::forward(const torch::Tensor& x, const torch::Tensor& bias,
                                               const torch::Tensor& position_ids) {
  const int64_t B = x.size(0), T = x.size(1);
  // (B, T, 3H) -> (3, B, heads, T, head_dim): q, k, v blocks, each head-major.
  auto qkv = Wqkv(x).view({B, T, 3, heads, head_dim}).permute({2, 0, 3, 1, 4});
  auto [cos, sin] = rotary_tables(T, head_dim, theta, x.device(), position_ids);
  cos = cos.to(qkv.scalar_type()), sin = sin.to(qkv.scalar_type());
  // unbind, not qkv[i]: each select's backward would zero a full (3, B, h, T, d) gradient.
  const auto parts = qkv.unbind(0);
  auto q = parts[0] * cos + rotate_half(parts[0]) * sin;  // (B, h, T, d)
  auto k = parts[1] * cos + rotate_half(parts[1]) * sin;
  const auto& v = parts[2];
  const double p = is_training() ? attention_dropout : 0.0;
  auto ctx = attention(q, k, v, bias, p);                                  // (B, h, T, d)
  return drop(Wo(ctx.transpose(1, 2).reshape({B, T, heads * head_dim})));  // (B, T, H)
}

ModernBertMLPImpl::ModernBertMLPImpl(const ModelShape& s) {
  Wi = register_module("Wi", linear(s.hidden, 2 * s.intermediate));
  Wo = register_module("Wo", linear(s.intermediate, s.hidden));
  drop = register_module("drop", Dropout(s.dropout));
}

torch::Tensor ModernBertMLPImpl::forward(const torch::Tensor& x) {
  return Wo(gated_gelu(Wi(x), drop->p, drop->is_training()));  // drop(gelu(input) * gate)
}

ModernBertLayerImpl::ModernBertLayerImpl(const ModelShape& s, int64_t index)
    : global(index % s.global_attn_every_n_layers == 0) {
  if (index > 0) attn_norm = register_module("attn_norm", BiasFreeNorm(s.hidden, s.layer_norm_eps));
  attn = register_module("attn",
                         ModernBertAttention(s, global ? s.global_rope_theta : s.local_rope_theta));
  mlp_norm = register_module("mlp_norm", BiasFreeNorm(s.hidden, s.layer_norm_eps));
  mlp = register_module("mlp", ModernBertMLP(s));
}

torch::Tensor ModernBertLayerImpl::forward(torch::Tensor x, const torch::Tensor& bias,
                                           const torch::Tensor& position_ids) {
  x = x + attn(attn_norm ? attn_norm(x) : x, bias, position_ids);
  return x + mlp(mlp_norm(x));
}

ModernBertModelImpl::ModernBertModelImpl(const ModelShape& s) : local_window(s.local_attention) {
  embeddings = register_module("embeddings", ModernBertEmbeddings(s));
  layers = register_module("layers", nn::ModuleList());
  for (int64_t i = 0; i < s.layers; ++i) layers->push_back(ModernBertLayer(s, i));
  final_norm = register_module("final_norm", BiasFreeNorm(s.hidden, s.layer_norm_eps));
}

torch::Tensor ModernBertModelImpl::forward(const torch::Tensor& ids,
                                           const torch::Tensor& attention_mask,
                                           const PackedLayout& packed) {
  const int64_t T = ids.size(1);
  auto x = embeddings(ids);  // (B, T, H)
  if (packed.defined()) {
    auto global_bias = packed.attention_bias(x.scalar_type(), -1e9);               // (R,1,T,T)
    auto local_bias = packed.attention_bias(x.scalar_type(), -1e9, local_window);  // (R,1,T,T)
    for (const auto& l : *layers) {
      auto* layer = l->as<ModernBertLayer>();
      x = layer->forward(x, layer->global ? global_bias : local_bias, packed.position_ids);
    }
    return final_norm(x);
  }
  // Additive biases: keys that are padding are hidden; local layers also hide |i - j| > w / 2.
  // A large finite value keeps fully hidden (padding) rows finite.
  auto keys = attention_mask.to(torch::kBool).view({ids.size(0), 1, 1, T});  // (B, 1, 1, T)
  auto pos = torch::arange(T, ids.options());
  auto window = (pos.unsqueeze(0) - pos.unsqueeze(1)).abs().le(local_window / 2);  // (T, T)
  auto opts = torch::TensorOptions().dtype(x.scalar_type()).device(x.device());
  const auto hidden = torch::full({}, -1e9, opts), open = torch::zeros({}, opts);
  auto global_keys = packed.causal ? keys & causal_keys(T, x.device()).view({1, 1, T, T}) : keys;
  auto global_bias = torch::where(global_keys, open, hidden);  // (B,1,1,T); causal: (B,1,T,T)
  auto local_bias = torch::where(global_keys & window.view({1, 1, T, T}), open, hidden);  // B1TT
  for (const auto& l : *layers) {
    auto* layer = l->as<ModernBertLayer>();
    x = layer->forward(x, layer->global ? global_bias : local_bias);
  }
  return final_norm(x);
}

ModernBertHeadImpl::ModernBertHeadImpl(const ModelShape& s) {
  dense = register_module("dense", linear(s.hidden, s.hidden));
  norm = register_module("norm", BiasFreeNorm(s.hidden, s.layer_norm_eps));
}

torch::Tensor ModernBertHeadImpl::forward(const torch::Tensor& x) {
  return norm(dense->forward_gelu(x));
}

DecoderBiasImpl::DecoderBiasImpl(int64_t vocab) {
  bias = register_parameter("bias", torch::zeros({vocab}));
}

ModernBertForMaskedLMImpl::ModernBertForMaskedLMImpl(const ModelShape& s) : PreTrainingModel(s) {
  model = register_module("model", ModernBertModel(s));
  head = register_module("head", ModernBertHead(s));
  decoder = register_module("decoder", DecoderBias(s.vocab_size));
}

torch::Tensor ModernBertForMaskedLMImpl::encode(const torch::Tensor& ids,
                                                const torch::Tensor& attention_mask,
                                                const PackedLayout& packed) {
  return model(ids, attention_mask, packed);
}

PreTrainingOutput ModernBertForMaskedLMImpl::forward(const torch::Tensor& ids,
                                                     const torch::Tensor& /*types*/,
                                                     const torch::Tensor& attention_mask,
                                                     const torch::Tensor& positions,
                                                     const PackedLayout& packed) {
  auto seq = encode(ids, attention_mask, packed);             // (B, T, H)
  auto at_masks = gather_head_rows(seq, positions);           // (M', H)
  const auto& E = model->embeddings->tok_embeddings->weight;  // tied (V, H)
  PreTrainingOutput out;
  out.mlm_logits = head_rows(torch::addmm(decoder->bias, head(at_masks), E.t()), positions);
  return out;
}

void ModernBertForMaskedLMImpl::init_weights(at::Generator gen) {
  torch::NoGradGuard no_grad;
  const double in_std = shape_.initializer_range;
  const double out_std = in_std / std::sqrt(2.0 * static_cast<double>(shape_.layers));
  for (auto& item : named_parameters()) {
    const std::string& name = item.key();
    auto& p = item.value();
    auto has = [&](const char* part) { return name.find(part) != std::string::npos; };
    if (has("norm.weight"))
      p.fill_(1.0);
    else if (name == "decoder.bias")
      p.zero_();
    else
      trunc_normal(p, has("Wo.") || has("head.dense") ? out_std : in_std, gen);
  }
}

}  // namespace bertforge
