#include "train/pretrained.h"

#include "common/checksum.h"
#include "common/config.h"
#include "common/errors.h"
#include "common/fs.h"
#include "tokenizer/tokenizer.h"
#include "train/checkpoint.h"
#include "train/safetensors.h"

namespace bertforge {
using json = nlohmann::json;

bool is_hf_export(const std::string& dir) {
  return fs::exists(fs::join(dir, "model.safetensors")) &&
         fs::exists(fs::join(dir, "config.json")) && fs::exists(fs::join(dir, "spiece.model"));
}

namespace {
Pretrained load_export(const std::string& dir) {
  Pretrained p;
  p.dir = dir;
  const std::string cfg_path = fs::join(dir, "config.json");
  json hf;
  try {
    hf = json::parse(fs::read_file(cfg_path));
    // bertforge's own exports carry the training config (data, masking, seed, batch size), so
    // that evaluation reproduces the checkpoint's; the model shape below comes from the HF keys.
    if (hf.contains("bertforge") && hf["bertforge"].contains("config")) {
      try {
        p.config = config_from_json(hf["bertforge"]["config"]);
      } catch (const Error& e) {
        throw InputError(cfg_path, 0, std::string("bertforge.config: ") + e.what());
      }
    }
    ModelConfig& m = p.config.model;
    m.preset = "tiny";
    m.hidden = hf.at("hidden_size"), m.layers = hf.at("num_hidden_layers");
    m.heads = hf.at("num_attention_heads"), m.intermediate = hf.at("intermediate_size");
    m.max_position = hf.at("max_position_embeddings"), m.type_vocab_size = hf.at("type_vocab_size");
    m.dropout = hf.value("hidden_dropout_prob", 0.1);
    m.attention_dropout = hf.value("attention_probs_dropout_prob", 0.1);
    m.layer_norm_eps = hf.value("layer_norm_eps", 1e-12);
    m.initializer_range = hf.value("initializer_range", 0.02);
    if (hf.value("hidden_act", "gelu") != "gelu")
      throw InputError(cfg_path, 0, "hidden_act must be \"gelu\"");
    p.config.data.max_seq_len = std::min(p.config.data.max_seq_len, m.max_position);
    if (hf.contains("bertforge")) {
      p.step = hf["bertforge"].value("step", int64_t{0});
      p.has_nsp_head = hf["bertforge"].value("nsp", true);
    }
  } catch (const json::exception& e) {
    throw InputError(cfg_path, 0, std::string("not a BERT config.json: ") + e.what());
  }
  p.tokenizer_model = fs::join(dir, "spiece.model");
  Tokenizer tok = Tokenizer::load(p.tokenizer_model);
  p.tokenizer_checksum = tok.checksum();
  const int64_t vocab = hf.at("vocab_size");
  if (vocab != tok.vocab_size())
    throw InputError(cfg_path, 0,
                     "vocab_size " + std::to_string(vocab) + " but spiece.model has " +
                         std::to_string(tok.vocab_size()) + " pieces");
  p.model = BertForPreTraining(BertShape::from_config(p.config.model, vocab));
  const std::string weights = fs::join(dir, "model.safetensors");
  auto tensors = read_safetensors(weights);
  torch::NoGradGuard ng;
  for (auto& item : p.model->named_parameters()) {
    auto it = tensors.find(item.key());
    if (it == tensors.end()) throw InputError(weights, 0, "tensor " + item.key() + " missing");
    if (it->second.sizes() != item.value().sizes())
      throw InputError(weights, 0, "tensor " + item.key() + " has the wrong shape");
    item.value().copy_(it->second);
  }
  p.weights_checksum = sha256_file(weights);
  return p;
}
}  // namespace

Pretrained load_pretrained(const std::string& path) {
  std::string p0 = path;
  while (p0.size() > 1 && p0.back() == '/') p0.pop_back();
  Pretrained p;
  if (is_hf_export(p0)) {
    p = load_export(p0);
  } else {
    CheckpointInfo info = read_checkpoint(resolve_checkpoint(p0));
    p.dir = info.dir;
    p.config = info.config;
    p.step = info.state.step;
    p.tokenizer_model = fs::join(info.dir, "tokenizer.model");
    p.tokenizer_checksum = info.tokenizer_checksum;
    p.weights_checksum = info.model_checksum;
    p.has_nsp_head = info.state.nsp_head_trained;
    p.model = BertForPreTraining(info.shape);
    load_weights(info.dir, p.model);
  }
  p.model->eval();
  return p;
}

}  // namespace bertforge
