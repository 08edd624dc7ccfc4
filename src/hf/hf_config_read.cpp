// The reading half of hf/hf_config.h, and the shape key map both halves use: a config.json is a
// hostile file, so every key is checked for its type and range before the model is built from it.
// Torch-free (the fuzz target and its replay test compile this file without torch).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <sstream>
#include <string>

#include "errors/errors.h"
#include "hf/hf_config.h"

namespace bertforge {
using json = nlohmann::json;

namespace {

std::string show(double v) {
  std::ostringstream ss;
  ss << v;
  return ss.str();
}

// The keys of one config.json object, read with their type and range checked.
class Keys {
 public:
  Keys(const json& hf, const std::string& path) : hf_(hf), path_(path) {}

  // An integer key in [lo, hi]; `fallback` when absent (a required key has none).
  int64_t integer(const char* key, int64_t lo, int64_t hi, const int64_t* fallback = nullptr) {
    const auto it = hf_.find(key);
    if (it == hf_.end()) {
      if (!fallback) fail(std::string("lacks \"") + key + "\"");
      return *fallback;
    }
    if (!it->is_number_integer() ||
        (it->is_number_unsigned() && it->get<uint64_t>() > uint64_t(hi)) ||
        it->get<int64_t>() < lo || it->get<int64_t>() > hi)
      fail(std::string(key) + " " + it->dump() + " is not an integer in [" + std::to_string(lo) +
           ", " + std::to_string(hi) + "]");
    return it->get<int64_t>();
  }
  int64_t integer(const char* key, int64_t lo, int64_t hi, int64_t fallback) {
    return integer(key, lo, hi, &fallback);
  }
  // A number key of `obj` (default `fallback`) in [lo, hi], or (lo, hi] when `open_low`.
  double number(const json& obj, const char* key, double fallback, double lo, double hi,
                bool open_low = false) {
    const auto it = obj.find(key);
    if (it == obj.end()) return fallback;
    const double v = it->is_number() ? it->get<double>() : NAN;
    if (!std::isfinite(v) || v < lo || (open_low && v == lo) || v > hi)
      fail(std::string(key) + " " + it->dump() + " is not a number in " + (open_low ? "(" : "[") +
           show(lo) + ", " + show(hi) + "]");
    return v;
  }
  double number(const char* key, double fallback, double lo, double hi, bool open_low = false) {
    return number(hf_, key, fallback, lo, hi, open_low);
  }
  [[noreturn]] void fail(const std::string& what) const {
    throw InputError(path_, 0, "not a BERT, RoBERTa or ModernBERT config.json: " + what);
  }

 private:
  const json& hf_;
  const std::string& path_;
};

using M = ModelConfig;
HfShapeKey int_key(const char* hf, int M::*f, double lo, double hi) {
  HfShapeKey k;
  k.hf = hf, k.integer = f, k.lo = lo, k.hi = hi, k.required = true;
  return k;
}
HfShapeKey int_key(const char* hf, int M::*f, double lo, double hi, double fallback) {
  HfShapeKey k = int_key(hf, f, lo, hi);
  k.required = false, k.fallback = fallback;
  return k;
}
HfShapeKey real_key(const char* hf, double M::*f, double lo, double hi, double fallback,
                    bool open_low = false) {
  HfShapeKey k;
  k.hf = hf, k.real = f, k.lo = lo, k.hi = hi, k.open_low = open_low, k.fallback = fallback;
  return k;
}

// The sizes both architectures share, then each one's own keys.
std::vector<HfShapeKey> sizes() {
  return {int_key("hidden_size", &M::hidden, 8, 1 << 16),
          int_key("num_hidden_layers", &M::layers, 1, 1 << 10),
          int_key("num_attention_heads", &M::heads, 1, 1 << 16),
          int_key("intermediate_size", &M::intermediate, 1, 1 << 20),
          int_key("max_position_embeddings", &M::max_position, 8, 1 << 20),
          real_key("initializer_range", &M::initializer_range, 0, 1e3, 0.02, true)};
}
std::vector<HfShapeKey> bert_keys() {
  std::vector<HfShapeKey> k = sizes();
  k.push_back(int_key("type_vocab_size", &M::type_vocab_size, 1, 1 << 16));
  k.push_back(real_key("hidden_dropout_prob", &M::dropout, 0, 1, 0.1));
  k.push_back(real_key("attention_probs_dropout_prob", &M::attention_dropout, 0, 1, 0.1));
  k.push_back(real_key("layer_norm_eps", &M::layer_norm_eps, 0, 1, 1e-12, true));
  return k;
}
std::vector<HfShapeKey> modernbert_keys() {
  std::vector<HfShapeKey> k = sizes();
  k.push_back(real_key("norm_eps", &M::layer_norm_eps, 0, 1, 1e-5, true));
  k.push_back(real_key("mlp_dropout", &M::dropout, 0, 1, 0.0));
  k.push_back(real_key("attention_dropout", &M::attention_dropout, 0, 1, 0.0));
  k.push_back(int_key("global_attn_every_n_layers", &M::global_attn_every_n_layers, 1, 1 << 20, 3));
  k.push_back(int_key("local_attention", &M::local_attention, 2, 1 << 24, 128));
  k.push_back(real_key("global_rope_theta", &M::global_rope_theta, 0, 1e30, 160000.0, true));
  k.push_back(real_key("local_rope_theta", &M::local_rope_theta, 0, 1e30, 10000.0, true));
  return k;
}

void read_shape_keys(Keys& k, ModelConfig* m) {
  for (const HfShapeKey& key : hf_shape_keys(m->architecture)) {
    if (key.integer)
      m->*key.integer = static_cast<int>(
          key.required ? k.integer(key.hf, key.lo, key.hi)
                       : k.integer(key.hf, key.lo, key.hi, static_cast<int64_t>(key.fallback)));
    else
      m->*key.real = k.number(key.hf, key.fallback, key.lo, key.hi, key.open_low);
  }
}

// transformers 5 writes layer_types (one "full_attention" or "sliding_attention" a layer) instead
// of global_attn_every_n_layers: bertforge's layers are global at l % n == 0, so the list must be
// that pattern for some n.
void read_layer_types(const json& hf, Keys& k, ModelConfig* m) {
  const auto it = hf.find("layer_types");
  if (it == hf.end() || it->is_null()) return;
  if (!it->is_array() || it->size() != static_cast<size_t>(m->layers))
    k.fail("layer_types is not a list of num_hidden_layers (" + std::to_string(m->layers) +
           ") strings");
  int n = m->layers;  // one global layer only: any period >= layers
  for (int l = 0; l < m->layers; ++l) {
    const json& t = (*it)[static_cast<size_t>(l)];
    if (t != "full_attention" && t != "sliding_attention")
      k.fail("layer_types[" + std::to_string(l) + "] " + t.dump() +
             " is not \"full_attention\" or \"sliding_attention\"");
    if (l > 0 && t == "full_attention" && n == m->layers) n = l;
  }
  if (hf.contains("global_attn_every_n_layers") && n == m->layers)
    n = std::max(n, m->global_attn_every_n_layers);
  for (int l = 0; l < m->layers; ++l)
    if (((*it)[static_cast<size_t>(l)] == "full_attention") != (l % n == 0))
      k.fail(
          "layer_types is not one full_attention layer every n layers from layer 0 (the only "
          "pattern bertforge's ModernBERT has)");
  m->global_attn_every_n_layers = n;
}

void read_modernbert(const json& hf, Keys& k, const std::string& path, ModelConfig* m) {
  read_layer_types(hf, k, m);
  if (!hf.contains("norm_eps"))  // older ModernBERT configs name it as BERT does
    m->layer_norm_eps = k.number("layer_norm_eps", 1e-5, 0, 1, true);
  if (hf.contains("rope_parameters") && hf["rope_parameters"].is_object()) {  // transformers 5
    const json& r = hf["rope_parameters"];
    for (const char* kind : {"full_attention", "sliding_attention"}) {
      if (!r.contains(kind)) continue;
      if (!r[kind].is_object())
        k.fail(std::string("rope_parameters.") + kind + " is not an object");
      double& theta = kind[0] == 'f' ? m->global_rope_theta : m->local_rope_theta;
      theta = k.number(r[kind], "rope_theta", theta, 0, 1e30, true);
    }
  }
  if ((m->hidden / m->heads) % 2 != 0)
    k.fail("the head size (hidden_size / num_attention_heads) must be even for rotary embeddings");
  auto expect = [&](const char* key, const json& want) {
    if (hf.contains(key) && hf[key] != want)
      throw InputError(path, 0,
                       std::string(key) + " " + hf[key].dump() + " is not supported (bertforge's " +
                           "ModernBERT has " + want.dump() + ")");
  };
  expect("hidden_activation", "gelu");
  expect("classifier_activation", "gelu");
  for (const char* key : {"norm_bias", "attention_bias", "mlp_bias", "classifier_bias"})
    expect(key, false);
  expect("decoder_bias", true);
  expect("tie_word_embeddings", true);
}

// Weights of the model `m` describes (embeddings, per layer attention and feed-forward), an upper
// bound close enough to refuse a config.json that could not be allocated.
int64_t parameters(const ModelConfig& m, int64_t vocab) {
  const int64_t h = m.hidden, ffn = m.architecture == "modernbert" ? 3 : 2;
  const int64_t embeddings = (vocab + m.max_position + m.type_vocab_size + 4) * h;
  const int64_t layer = 4 * h * h + ffn * h * m.intermediate + 16 * h + 2 * m.intermediate;
  return embeddings + m.layers * layer + h * h + vocab;
}

}  // namespace

const std::vector<HfShapeKey>& hf_shape_keys(const std::string& architecture) {
  static const std::vector<HfShapeKey> bert = bert_keys(), modernbert = modernbert_keys();
  return architecture == "modernbert" ? modernbert : bert;
}

json parse_hf_config(const std::string& text, const std::string& path) {
  try {
    return json::parse(text);
  } catch (const json::exception& e) {
    throw InputError(path, 0, std::string("not a JSON config.json: ") + e.what());
  }
}

int64_t model_config_from_hf(const json& hf, const std::string& path, ModelConfig* m,
                             int64_t* pad_id) {
  Keys k(hf, path);
  if (!hf.is_object()) k.fail("not a JSON object");
  try {
    std::string type = hf.value("model_type", std::string("bert"));
    if (type == "xlm-roberta") type = "roberta";  // XLM-R is RoBERTa's architecture, other weights
    if (type != "bert" && type != "roberta" && type != "modernbert")
      throw InputError(path, 0,
                       "model_type \"" + type +
                           "\" is not supported (bert, roberta, xlm-roberta or modernbert)");
    m->preset = "tiny";
    m->architecture = type;
    read_shape_keys(k, m);
    if (pad_id) *pad_id = 0;
    if (type == "roberta") {  // the position table starts after the [PAD] id
      const int64_t pad = k.integer("pad_token_id", 0, 1 << 24, 1);
      if (pad_id) *pad_id = pad;
      if (m->max_position - pad - 1 < 8)
        k.fail("max_position_embeddings " + std::to_string(m->max_position) +
               " leaves fewer than 8 positions after pad_token_id + 1 (" + std::to_string(pad + 1) +
               ")");
      m->max_position -= static_cast<int>(pad + 1);
    }
    if (m->heads > m->hidden || m->hidden % m->heads != 0)
      k.fail("num_attention_heads does not divide hidden_size");
    if (type == "roberta" && hf.value("position_embedding_type", "absolute") != "absolute")
      k.fail("position_embedding_type must be \"absolute\"");
    if (type == "modernbert")
      read_modernbert(hf, k, path, m);
    else if (hf.value("hidden_act", "gelu") != "gelu")
      k.fail("hidden_act must be \"gelu\"");
    const int64_t vocab = k.integer("vocab_size", 1, 1 << 24);
    const int64_t n = parameters(*m, vocab);
    if (n > kMaxHfParameters)
      k.fail("the model would have " + std::to_string(n) + " weights, more than the " +
             std::to_string(kMaxHfParameters) + " bertforge loads");
    return vocab;
  } catch (const json::exception& e) {
    k.fail(e.what());
  }
}

HfExportKeys bertforge_export_keys(const json& hf, const std::string& path) {
  HfExportKeys keys;
  if (!hf.is_object() || !hf.contains("bertforge") || !hf["bertforge"].is_object()) return keys;
  const json& b = hf["bertforge"];
  keys.ours = true;
  auto bad = [&](const std::string& what) { return InputError(path, 0, "bertforge." + what); };
  if (b.contains("config")) {
    try {
      keys.config = config_from_json(b["config"]);
    } catch (const Error& e) {
      throw bad(std::string("config: ") + e.what());
    }
    keys.has_config = true;
  }
  if (b.contains("step")) {
    if (!b["step"].is_number_integer() || b["step"].get<int64_t>() < 0 ||
        (b["step"].is_number_unsigned() && b["step"].get<uint64_t>() > uint64_t(INT64_MAX)))
      throw bad("step: expected an integer >= 0 (got " + b["step"].dump() + ")");
    keys.step = b["step"].get<int64_t>();
  }
  if (b.contains("nsp")) {
    if (!b["nsp"].is_boolean())
      throw bad("nsp: expected true or false (got " + b["nsp"].dump() + ")");
    keys.nsp = b["nsp"].get<bool>();
  }
  return keys;
}

}  // namespace bertforge
