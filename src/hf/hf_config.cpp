// The writing half of hf/hf_config.h; hf_config_read.cpp reads, and holds the shape key map.
#include "hf/hf_config.h"

#include "tokenizer/specials.h"

namespace bertforge {
using json = nlohmann::json;

namespace {

// The shape keys of hf_shape_keys (the map import reads) with `m`'s values.
json shape_keys(const ModelConfig& m) {
  json out = json::object();
  for (const HfShapeKey& k : hf_shape_keys(m.architecture))
    out[k.hf] = k.integer ? json(m.*k.integer) : json(m.*k.real);
  return out;
}

json bert_config(const ModelConfig& m, const SpecialIds& sp) {
  json c = {{"architectures", {"BertForPreTraining"}},
            {"model_type", "bert"},
            {"hidden_act", "gelu"},
            {"pad_token_id", sp.pad},
            {"position_embedding_type", "absolute"},
            {"tie_word_embeddings", true},
            {"torch_dtype", "float32"}};
  c.update(shape_keys(m));
  return c;
}

// RobertaConfig's keys: BERT's, with the position table pad_token_id + 1 rows longer (RoBERTa's
// positions start after the [PAD] id: roberta-base's 514 rows hold 512 positions).
json roberta_config(const ModelConfig& m, const SpecialIds& sp) {
  json c = bert_config(m, sp);
  c["architectures"] = {"RobertaForMaskedLM"};
  c["model_type"] = "roberta";
  c["bos_token_id"] = sp.cls;
  c["eos_token_id"] = sp.sep;
  c["max_position_embeddings"] = m.max_position + sp.pad + 1;
  return c;
}

// ModernBertConfig's keys (transformers 4.48+; the rope/layer keys also in their 5.x form).
json modernbert_config(const ModelConfig& m, const SpecialIds& sp) {
  json layer_types = json::array();
  for (int l = 0; l < m.layers; ++l)
    layer_types.push_back(l % m.global_attn_every_n_layers == 0 ? "full_attention"
                                                                : "sliding_attention");
  auto rope = [](double theta) { return json{{"rope_type", "default"}, {"rope_theta", theta}}; };
  json c = {{"architectures", {"ModernBertForMaskedLM"}},
            {"model_type", "modernbert"},
            {"hidden_activation", "gelu"},
            {"initializer_cutoff_factor", 2.0},
            {"norm_bias", false},
            {"pad_token_id", sp.pad},
            {"bos_token_id", sp.cls},
            {"cls_token_id", sp.cls},
            {"eos_token_id", sp.sep},
            {"sep_token_id", sp.sep},
            {"layer_types", layer_types},
            {"rope_parameters",
             {{"full_attention", rope(m.global_rope_theta)},
              {"sliding_attention", rope(m.local_rope_theta)}}},
            {"attention_bias", false},
            {"embedding_dropout", m.dropout},
            {"mlp_bias", false},
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
  c.update(shape_keys(m));
  return c;
}

}  // namespace

json hf_model_config(const ModelConfig& m, int64_t vocab_size, const SpecialIds& specials) {
  json c = m.architecture == "modernbert" ? modernbert_config(m, specials)
           : m.architecture == "roberta"  ? roberta_config(m, specials)
                                          : bert_config(m, specials);
  c["vocab_size"] = vocab_size;
  return c;
}

}  // namespace bertforge
