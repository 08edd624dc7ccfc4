#include "checkpoint/pretrained.h"

#include "checkpoint/checkpoint.h"
#include "config/config.h"
#include "console/logging.h"
#include "errors/errors.h"
#include "fs/checksum.h"
#include "fs/fs.h"
#include "hf/hf_config.h"
#include "hf/hf_weights.h"
#include "tokenizer/tokenizer.h"

namespace bertforge {
using json = nlohmann::json;

namespace {
json read_hf_config(const std::string& dir) {
  const std::string path = fs::join(dir, "config.json");
  return parse_hf_config(fs::read_file(path), path);
}

// The tokenizer file of a HuggingFace directory: spiece.model (bertforge's SentencePiece
// exports), vocab.txt (BERT's WordPiece, with tokenizer_config.json beside it), or tokenizer.json
// (HF's fast tokenizers: ModernBERT, RoBERTa).
std::string hf_tokenizer_file(const std::string& dir) {
  for (const char* name : {"spiece.model", "vocab.txt", "tokenizer.json"})
    if (fs::exists(fs::join(dir, name))) return fs::join(dir, name);
  throw InputError(dir, 0,
                   "no tokenizer: expected spiece.model, vocab.txt or tokenizer.json beside "
                   "config.json");
}

// sha256 of the weights: of model.safetensors, or of the shards' checksums in index order.
std::string hf_weights_checksum(const std::string& dir) {
  const std::string single = fs::join(dir, "model.safetensors");
  if (fs::exists(single)) return sha256_file(single);
  return sha256_file(fs::join(dir, "model.safetensors.index.json"));
}
}  // namespace

ModelPtr load_hf_model(const std::string& dir, Config* config, HfWeightsReport* report_out) {
  const json hf = read_hf_config(dir);
  ModelConfig& m = config->model;
  int64_t pad = 0;
  const int64_t vocab = model_config_from_hf(hf, fs::join(dir, "config.json"), &m, &pad);
  config->data.max_seq_len = std::min(config->data.max_seq_len, m.max_position);
  if (m.architecture != "bert") config->data.nsp = false;
  ModelPtr model = make_model(ModelShape(m, vocab, pad));
  // What the directory lacks (a head) starts from a fresh, seeded initialisation.
  model->init_weights(at::make_generator<at::CPUGeneratorImpl>(config->seed));
  HfWeightsReport report = load_hf_weights(dir, *model);
  if (!report.initialised.empty()) {
    std::string list;
    for (const auto& name : report.initialised) list += (list.empty() ? "" : ", ") + name;
    log::info("{}: not in the directory, initialised fresh: {}", dir, list);
  }
  if (!report.unused.empty())
    log::warn("{}: {} stored tensor(s) not used, e.g. {}", dir, report.unused.size(),
              report.unused.front());
  model->eval();
  if (report_out) *report_out = report;
  return model;
}

namespace {
// True when `dir` is a HuggingFace directory (config.json and weights): a `bertforge export` or a
// public BERT or ModernBERT, not a checkpoint.
bool is_hf_export(const std::string& dir) { return has_hf_weights(dir) && !is_checkpoint_dir(dir); }

Pretrained load_export(const std::string& dir) {
  Pretrained p;
  p.dir = dir;
  // bertforge's own exports carry the training config (data, masking, seed, batch size), so
  // that evaluation reproduces the checkpoint's; the model shape comes from the HF keys.
  const std::string config_path = fs::join(dir, "config.json");
  const HfExportKeys keys = bertforge_export_keys(read_hf_config(dir), config_path);
  if (keys.has_config) p.config = keys.config;
  HfWeightsReport report;
  p.model = load_hf_model(dir, &p.config, &report);
  p.has_nsp_head = report.has_nsp_head;
  if (keys.ours) {
    p.step = keys.step;
    p.has_nsp_head = p.has_nsp_head && keys.nsp;
  } else {
    p.config.data.nsp = p.has_nsp_head;  // a public model: evaluate NSP only where it has a head
  }
  p.tokenizer_model = hf_tokenizer_file(dir);
  Tokenizer tok = Tokenizer::load(p.tokenizer_model);
  p.tokenizer_checksum = tok.checksum();
  if (p.model->shape().vocab_size != tok.vocab_size())
    throw InputError(fs::join(dir, "config.json"), 0,
                     "vocab_size " + std::to_string(p.model->shape().vocab_size) + " but " +
                         p.tokenizer_model + " has " + std::to_string(tok.vocab_size()) +
                         " tokens");
  if (p.model->shape().position_offset() > 0 && p.model->shape().pad_id != tok.specials().pad)
    throw InputError(fs::join(dir, "config.json"), 0,
                     "pad_token_id " + std::to_string(p.model->shape().pad_id) + " but " +
                         p.tokenizer_model + " has its pad token at " +
                         std::to_string(tok.specials().pad));
  p.weights_checksum = hf_weights_checksum(dir);
  return p;
}

std::string trimmed(std::string p) {
  while (p.size() > 1 && p.back() == '/') p.pop_back();
  return p;
}
}  // namespace

std::string pretrained_tokenizer_file(const std::string& path) {
  const std::string p = trimmed(path);
  if (fs::exists(p) && !fs::is_dir(p)) return p;  // a tokenizer file itself
  if (is_hf_export(p)) return hf_tokenizer_file(p);
  return fs::join(find_checkpoint(p).dir, ckpt_file::kTokenizer);
}

std::optional<CheckpointInfo> pretrained_checkpoint(const std::string& path) {
  const std::string p = trimmed(path);
  if ((fs::exists(p) && !fs::is_dir(p)) || is_hf_export(p)) return std::nullopt;
  return find_checkpoint(p);
}

Pretrained load_pretrained(const CheckpointInfo& info) {
  Pretrained p;
  p.dir = info.dir;
  p.config = info.config;
  p.step = info.step;
  p.tokenizer_model = fs::join(info.dir, ckpt_file::kTokenizer);
  p.tokenizer_checksum = info.tokenizer_checksum;
  p.weights_checksum = info.model_checksum;
  p.has_nsp_head = info.state.value("nsp_head_trained", info.config.data.nsp);
  p.model = make_model(info.shape);
  load_weights(info.dir, p.model);
  p.model->eval();
  return p;
}

Pretrained load_pretrained(const std::string& path) {
  const std::string p0 = trimmed(path);
  if (!is_hf_export(p0)) return load_pretrained(find_checkpoint(p0));
  Pretrained p = load_export(p0);
  p.model->eval();
  return p;
}

}  // namespace bertforge
