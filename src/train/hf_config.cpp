#include "train/hf_config.h"

#include "common/errors.h"
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

void read_bert(const json& hf, const std::string& path, ModelConfig* m) {
  m->architecture = "bert";
  m->type_vocab_size = hf.at("type_vocab_size");
  m->dropout = hf.value("hidden_dropout_prob", 0.1);
  m->attention_dropout = hf.value("attention_probs_dropout_prob", 0.1);
  m->layer_norm_eps = hf.value("layer_norm_eps", 1e-12);
  if (hf.value("hidden_act", "gelu") != "gelu")
    throw InputError(path, 0, "hidden_act must be \"gelu\"");
}

void read_modernbert(const json& hf, const std::string& path, ModelConfig* m) {
  m->architecture = "modernbert";
  m->layer_norm_eps =
      hf.contains("norm_eps") ? hf.at("norm_eps").get<double>() : hf.value("layer_norm_eps", 1e-5);
  m->dropout = hf.value("mlp_dropout", 0.0);
  m->attention_dropout = hf.value("attention_dropout", 0.0);
  m->global_attn_every_n_layers = hf.value("global_attn_every_n_layers", 3);
  m->local_attention = hf.value("local_attention", 128);
  m->global_rope_theta = hf.value("global_rope_theta", 160000.0);
  m->local_rope_theta = hf.value("local_rope_theta", 10000.0);
  if (hf.contains("rope_parameters") && hf["rope_parameters"].is_object()) {  // transformers 5
    const json& r = hf["rope_parameters"];
    if (r.contains("full_attention"))
      m->global_rope_theta = r["full_attention"].value("rope_theta", m->global_rope_theta);
    if (r.contains("sliding_attention"))
      m->local_rope_theta = r["sliding_attention"].value("rope_theta", m->local_rope_theta);
  }
  auto expect = [&](const char* key, const json& want) {
    if (hf.contains(key) && hf[key] != want)
      throw InputError(path, 0,
                       std::string(key) + " " + hf[key].dump() + " is not supported (bertforge's " +
                           "ModernBERT has " + want.dump() + ")");
  };
  expect("hidden_activation", "gelu");
  expect("classifier_activation", "gelu");
  for (const char* k : {"norm_bias", "attention_bias", "mlp_bias", "classifier_bias"})
    expect(k, false);
  expect("decoder_bias", true);
  expect("tie_word_embeddings", true);
}

}  // namespace

json hf_model_config(const BertShape& s, const SpecialIds& specials) {
  return s.architecture == "modernbert" ? modernbert_config(s, specials) : bert_config(s, specials);
}

int64_t model_config_from_hf(const json& hf, const std::string& path, ModelConfig* m) {
  try {
    const std::string type = hf.value("model_type", std::string("bert"));
    if (type != "bert" && type != "modernbert")
      throw InputError(path, 0,
                       "model_type \"" + type + "\" is not supported (bert or modernbert)");
    m->preset = "tiny";
    m->hidden = hf.at("hidden_size"), m->layers = hf.at("num_hidden_layers");
    m->heads = hf.at("num_attention_heads"), m->intermediate = hf.at("intermediate_size");
    m->max_position = hf.at("max_position_embeddings");
    m->initializer_range = hf.value("initializer_range", 0.02);
    if (type == "modernbert")
      read_modernbert(hf, path, m);
    else
      read_bert(hf, path, m);
    return hf.at("vocab_size").get<int64_t>();
  } catch (const json::exception& e) {
    throw InputError(path, 0, std::string("not a BERT or ModernBERT config.json: ") + e.what());
  }
}

}  // namespace bertforge
