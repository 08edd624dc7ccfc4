#include "train/pretrained.h"

#include "common/checksum.h"
#include "common/config.h"
#include "common/errors.h"
#include "common/fs.h"
#include "tokenizer/tokenizer.h"
#include "train/checkpoint.h"
#include "train/hf_config.h"
#include "train/safetensors.h"

namespace bertforge {
using json = nlohmann::json;

ModelPtr load_hf_model(const std::string& dir, Config* config) {
  const std::string cfg_path = fs::join(dir, "config.json");
  json hf;
  try {
    hf = json::parse(fs::read_file(cfg_path));
  } catch (const json::exception& e) {
    throw InputError(cfg_path, 0, std::string("not a JSON config.json: ") + e.what());
  }
  ModelConfig& m = config->model;
  const int64_t vocab = model_config_from_hf(hf, cfg_path, &m);
  config->data.max_seq_len = std::min(config->data.max_seq_len, m.max_position);
  if (m.architecture == "modernbert") config->data.nsp = false;
  ModelPtr model = make_model(BertShape::from_config(m, vocab));
  const std::string weights = fs::join(dir, "model.safetensors");
  auto tensors = read_safetensors(weights);
  torch::NoGradGuard ng;
  for (auto& item : model->named_parameters()) {
    auto it = tensors.find(item.key());
    if (it == tensors.end()) throw InputError(weights, 0, "tensor " + item.key() + " missing");
    if (it->second.sizes() != item.value().sizes())
      throw InputError(weights, 0, "tensor " + item.key() + " has the wrong shape");
    item.value().copy_(it->second);
  }
  model->eval();
  return model;
}

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
  } catch (const json::exception& e) {
    throw InputError(cfg_path, 0, std::string("not a JSON config.json: ") + e.what());
  }
  // bertforge's own exports carry the training config (data, masking, seed, batch size), so
  // that evaluation reproduces the checkpoint's; the model shape comes from the HF keys.
  if (hf.contains("bertforge") && hf["bertforge"].contains("config")) {
    try {
      p.config = config_from_json(hf["bertforge"]["config"]);
    } catch (const Error& e) {
      throw InputError(cfg_path, 0, std::string("bertforge.config: ") + e.what());
    }
  }
  p.model = load_hf_model(dir, &p.config);
  p.has_nsp_head = p.model->shape().has_nsp_head();
  if (hf.contains("bertforge") && hf["bertforge"].is_object()) {
    p.step = hf["bertforge"].value("step", int64_t{0});
    p.has_nsp_head = p.has_nsp_head && hf["bertforge"].value("nsp", true);
  }
  p.tokenizer_model = fs::join(dir, "spiece.model");
  Tokenizer tok = Tokenizer::load(p.tokenizer_model);
  p.tokenizer_checksum = tok.checksum();
  if (p.model->shape().vocab_size != tok.vocab_size())
    throw InputError(cfg_path, 0,
                     "vocab_size " + std::to_string(p.model->shape().vocab_size) +
                         " but spiece.model has " + std::to_string(tok.vocab_size()) + " pieces");
  p.weights_checksum = sha256_file(fs::join(dir, "model.safetensors"));
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
    p.model = make_model(info.shape);
    load_weights(info.dir, p.model);
  }
  p.model->eval();
  return p;
}

}  // namespace bertforge
