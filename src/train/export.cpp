#include "train/export.h"

#include <filesystem>
#include <nlohmann/json.hpp>

#include "common/config.h"
#include "common/errors.h"
#include "common/fs.h"
#include "common/logging.h"
#include "tokenizer/tokenizer.h"
#include "train/hf_config.h"
#include "train/pretrained.h"
#include "train/safetensors.h"

namespace bertforge {
using json = nlohmann::json;

int export_huggingface(const std::string& checkpoint, const std::string& out, bool force) {
  Pretrained p = load_pretrained(checkpoint);
  if (fs::exists(out) && !fs::is_dir(out))
    throw UsageError(out + " exists and is not a directory; --out names the export directory");
  const bool into_existing = fs::is_dir(out);
  if (into_existing && !std::filesystem::is_empty(out)) {
    if (!force) throw UsageError(out + " exists and is not empty; pass --force to overwrite it");
    if (fs::exists(fs::join(out, "DONE")) || fs::exists(fs::join(out, "state.json")))
      throw UsageError(out + " is a bertforge checkpoint: export to another directory (--force " +
                       "replaces the export files in a directory, never a checkpoint)");
  }
  const BertShape& s = p.model->shape();
  // Parameters in the architecture's HF naming (BertForPreTraining, ModernBertForMaskedLM). The
  // decoder weight is tied to the word embeddings: like HuggingFace, store each tensor once.
  std::vector<std::pair<std::string, torch::Tensor>> tensors;
  for (const auto& item : p.model->named_parameters())
    tensors.emplace_back(item.key(), item.value());
  json config = hf_model_config(s);
  config["bertforge"] = {{"step", p.step},
                         {"weights_checksum", p.weights_checksum},
                         {"tokenizer_checksum", p.tokenizer_checksum},
                         {"nsp", p.has_nsp_head},
                         // The training config: evaluating the export masks and batches
                         // exactly like evaluating the checkpoint.
                         {"config", config_to_json(p.config)}};
  json tokenizer_config = {{"tokenizer_class", "AlbertTokenizer"},
                           // An uncased model folds case in spiece.model's own normalizer
                           // (tokenizer.lowercase), so the tokenizer needs no extra step.
                           {"do_lower_case", false},
                           {"keep_accents", true},
                           {"remove_space", true},
                           {"model_max_length", s.max_position},
                           {"pad_token", "[PAD]"},
                           {"unk_token", "[UNK]"},
                           {"cls_token", "[CLS]"},
                           {"sep_token", "[SEP]"},
                           {"mask_token", "[MASK]"},
                           {"bos_token", "[CLS]"},
                           {"eos_token", "[SEP]"}};
  json special = {{"pad_token", "[PAD]"},
                  {"unk_token", "[UNK]"},
                  {"cls_token", "[CLS]"},
                  {"sep_token", "[SEP]"},
                  {"mask_token", "[MASK]"}};
  // Written into a temp directory, then renamed to `out`; into an existing directory (--force),
  // each file is renamed over its namesake and nothing else there is touched.
  const std::string tmp = fs::temp_sibling(out);
  fs::make_dirs(tmp);
  try {
    write_safetensors(fs::join(tmp, "model.safetensors"), tensors, {{"format", "pt"}});
    fs::write_file_atomic(fs::join(tmp, "config.json"), config.dump(2) + "\n");
    fs::write_file_atomic(fs::join(tmp, "tokenizer_config.json"), tokenizer_config.dump(2) + "\n");
    fs::write_file_atomic(fs::join(tmp, "special_tokens_map.json"), special.dump(2) + "\n");
    fs::write_file_atomic(fs::join(tmp, "spiece.model"), fs::read_file(p.tokenizer_model));
    fs::sync_path(tmp);
    if (into_existing) {
      for (const auto& e : std::filesystem::directory_iterator(tmp))
        fs::rename_sync(e.path().string(), fs::join(out, e.path().filename().string()));
      fs::remove_all(tmp);
    } else {
      fs::rename_sync(tmp, out);
    }
  } catch (...) {
    fs::remove_all(tmp);
    throw;
  }
  log::info("exported " + std::to_string(tensors.size()) + " tensors from " + p.dir + " to " + out);
  return static_cast<int>(tensors.size());
}

}  // namespace bertforge
