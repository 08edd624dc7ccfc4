#include "hf/hf_weights.h"

#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "console/logging.h"
#include "errors/errors.h"
#include "fs/fs.h"
#include "hf/safetensors.h"

namespace bertforge {
using json = nlohmann::json;

namespace {

constexpr const char* kSingleFile = "model.safetensors";
constexpr const char* kIndexFile = "model.safetensors.index.json";
constexpr const char* kPickleFile = "pytorch_model.bin";

bool starts_with(const std::string& s, const std::string& prefix) {
  return s.compare(0, prefix.size(), prefix) == 0;
}
bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// Every tensor of the directory: the single file, or the shards its index names.
std::map<std::string, torch::Tensor> read_all(const std::string& dir) {
  const std::string single = fs::join(dir, kSingleFile), index = fs::join(dir, kIndexFile);
  if (fs::exists(single)) return read_safetensors(single);
  if (!fs::exists(index)) {
    const std::string pickle = fs::join(dir, kPickleFile);
    if (fs::exists(pickle))
      throw InputError(pickle, 0,
                       "is a pickle, which bertforge does not load (loading a pickle runs code)",
                       "convert it to safetensors where transformers is installed: "
                       "AutoModel.from_pretrained(DIR).save_pretrained(DIR, "
                       "safe_serialization=True)");
    throw InputError(dir, 0, "no model.safetensors or model.safetensors.index.json");
  }
  std::set<std::string> shards;
  try {
    const json parsed = json::parse(fs::read_file(index));
    for (const auto& [name, file] : parsed.at("weight_map").items())
      shards.insert(file.get<std::string>());
  } catch (const json::exception& e) {
    throw InputError(index, 0, std::string("malformed safetensors index: ") + e.what());
  }
  if (shards.empty()) throw InputError(index, 0, "the weight_map names no shard");
  std::map<std::string, torch::Tensor> all;
  for (const std::string& shard : shards) {
    if (shard.find('/') != std::string::npos || shard.empty() || shard[0] == '.')
      throw InputError(index, 0,
                       "shard name \"" + shard + "\" is not a file name in the directory");
    for (auto& [name, t] : read_safetensors(fs::join(dir, shard))) all[name] = t;
  }
  return all;
}

// The bertforge name of a stored tensor (see the header), given the model's top-level prefix.
std::string canonical(std::string name, const std::string& body) {
  if (ends_with(name, "LayerNorm.gamma")) name.replace(name.size() - 5, 5, "weight");
  if (ends_with(name, "LayerNorm.beta")) name.replace(name.size() - 4, 4, "bias");
  if (name == "cls.predictions.decoder.bias") name = "cls.predictions.bias";
  if (name == "lm_head.decoder.bias") name = "lm_head.bias";
  for (const char* part : {"embeddings.", "encoder.", "pooler.", "layers.", "final_norm."})
    if (starts_with(name, part)) return body + name;
  return name;
}

// The module prefix a parameter belongs to, for the report ("cls.predictions.transform").
std::string module_of(const std::string& name) {
  for (const char* m : {"bert.pooler", "cls.seq_relationship", "cls.predictions.transform",
                        "cls.predictions", "lm_head", "head", "decoder"})
    if (starts_with(name, m)) return m;
  const size_t dot = name.rfind('.');
  return dot == std::string::npos ? name : name.substr(0, dot);
}

}  // namespace

bool has_hf_weights(const std::string& dir) {
  if (!fs::exists(fs::join(dir, "config.json"))) return false;
  for (const char* f : {kSingleFile, kIndexFile, kPickleFile})
    if (fs::exists(fs::join(dir, f))) return true;
  return false;
}

HfWeightsReport load_hf_weights(const std::string& dir, PreTrainingModel& model) {
  const std::string& arch = model.shape().architecture;
  const bool modern = arch == "modernbert", roberta = arch == "roberta";
  const std::string body = modern ? "model." : roberta ? "roberta." : "bert.";
  const std::string tied = modern    ? "decoder.weight"
                           : roberta ? "lm_head.decoder.weight"
                                     : "cls.predictions.decoder.weight";
  const std::string embeddings = modern ? "model.embeddings.tok_embeddings.weight"
                                        : body + "embeddings.word_embeddings.weight";
  std::map<std::string, torch::Tensor> stored;
  for (auto& [name, t] : read_all(dir)) stored[canonical(name, body)] = t;

  HfWeightsReport report;
  std::set<std::string> used, initialised;
  torch::NoGradGuard ng;
  for (auto& item : model.named_parameters()) {
    auto it = stored.find(item.key());
    if (it == stored.end()) {
      initialised.insert(module_of(item.key()));
      continue;
    }
    if (it->second.sizes() != item.value().sizes())
      throw InputError(dir, 0,
                       "tensor " + item.key() + " has shape " + c10::str(it->second.sizes()) +
                           ", config.json makes it " + c10::str(item.value().sizes()));
    if (!it->second.is_floating_point())
      throw InputError(dir, 0, "tensor " + item.key() + " is not a floating-point tensor");
    item.value().copy_(it->second);
    used.insert(item.key());
  }
  if (used.empty())
    throw InputError(dir, 0, "no tensor has a BERT, RoBERTa or ModernBERT parameter name",
                     "is this a BertForPreTraining/BertForMaskedLM/BertModel, RoBERTa or "
                     "ModernBERT model?");
  auto decoder = stored.find(tied), emb = stored.find(embeddings);
  if (decoder != stored.end()) {
    used.insert(tied);
    if (emb != stored.end() && !torch::equal(decoder->second, emb->second))
      log::warn(
          "{}: the stored decoder weight differs from the word embeddings; bertforge ties them "
          "and uses the embeddings",
          dir);
  }
  for (const auto& [name, t] : stored)
    if (!used.count(name) && !ends_with(name, "position_ids")) report.unused.push_back(name);
  report.initialised.assign(initialised.begin(), initialised.end());
  report.has_nsp_head = arch == "bert" && !initialised.count("bert.pooler") &&
                        !initialised.count("cls.seq_relationship");
  return report;
}

}  // namespace bertforge
