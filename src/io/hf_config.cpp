// The writing half of train/hf_config.h (it needs the model shape); hf_config_read.cpp reads.
#include "io/hf_config.h"

#include "model/model.h"
#include "tokenizer/specials.h"

namespace bertforge {
using json = nlohmann::json;

namespace {

json bert_config(const BertShape& s, const SpecialIds& sp) {
  return {{"architectures", {"BertForPreTraining"}},
          {"model_type", "bert"},
          {"vocab_size", s.vocab_size},
          {"hidden_size", s.hidden},
          {"num_hidden_layers", s.layers},
          {"num_attention_heads", s.heads},
          {"intermediate_size", s.intermediate},
          {"hidden_act", "gelu"},
          {"hidden_dropout_prob", s.dropout},
          {"attention_probs_dropout_prob", s.attention_dropout},
          {"max_position_embeddings", s.max_position},
          {"type_vocab_size", s.type_vocab_size},
          {"initializer_range", s.initializer_range},
          {"layer_norm_eps", s.layer_norm_eps},
          {"pad_token_id", sp.pad},
          {"position_embedding_type", "absolute"},
          {"tie_word_embeddings", true},
          {"torch_dtype", "float32"}};
}

// ModernBertConfig's keys (transformers 4.48+; the rope/layer keys also in their 5.x form).
json modernbert_config(const BertShape& s, const SpecialIds& sp) {
  json layer_types = json::array();
  for (int64_t l = 0; l < s.layers; ++l)
    layer_types.push_back(l % s.global_every == 0 ? "full_attention" : "sliding_attention");
  return {{"architectures", {"ModernBertForMaskedLM"}},
          {"model_type", "modernbert"},
          {"vocab_size", s.vocab_size},
          {"hidden_size", s.hidden},
          {"num_hidden_layers", s.layers},
          {"num_attention_heads", s.heads},
          {"intermediate_size", s.intermediate},
          {"hidden_activation", "gelu"},
          {"max_position_embeddings", s.max_position},
          {"initializer_range", s.initializer_range},
          {"initializer_cutoff_factor", 2.0},
          {"norm_eps", s.layer_norm_eps},
          {"norm_bias", false},
          {"pad_token_id", sp.pad},
          {"bos_token_id", sp.cls},
          {"cls_token_id", sp.cls},
          {"eos_token_id", sp.sep},
          {"sep_token_id", sp.sep},
          {"global_rope_theta", s.global_rope_theta},
          {"local_rope_theta", s.local_rope_theta},
          {"global_attn_every_n_layers", s.global_every},
          {"local_attention", s.local_window},
          {"layer_types", layer_types},
          {"rope_parameters",
           {{"full_attention", {{"rope_type", "default"}, {"rope_theta", s.global_rope_theta}}},
            {"sliding_attention", {{"rope_type", "default"}, {"rope_theta", s.local_rope_theta}}}}},
          {"attention_bias", false},
          {"attention_dropout", s.attention_dropout},
          {"embedding_dropout", s.dropout},
          {"mlp_bias", false},
          {"mlp_dropout", s.dropout},
          {"decoder_bias", true},
          {"classifier_pooling", "cls"},
          {"classifier_dropout", 0.0},
          {"classifier_bias", false},
          {"classifier_activation", "gelu"},
          {"deterministic_flash_attn", false},
          {"sparse_prediction", false},
          {"sparse_pred_ignore_index", -100},
          {"tie_word_embeddings", true},
          {"torch_dtype", "float32"}};
}

}  // namespace

json hf_model_config(const BertShape& s, const SpecialIds& specials) {
  return s.architecture == "modernbert" ? modernbert_config(s, specials) : bert_config(s, specials);
}

}  // namespace bertforge
