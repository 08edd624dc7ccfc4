#include "app/export.h"

#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>

#include "checkpoint/pretrained.h"
#include "config/config.h"
#include "console/logging.h"
#include "errors/errors.h"
#include "finetune/finetune_export.h"
#include "fs/fs.h"
#include "hf/hf_config.h"
#include "hf/hf_export.h"
#include "hf/safetensors.h"
#include "run/staged_dir.h"
#include "tokenizer/tokenizer.h"

namespace bertforge {
using json = nlohmann::json;

int export_huggingface(const std::string& checkpoint, const std::string& out, bool force) {
  // A `bertforge finetune` model exports as *ForSequenceClassification / *ForTokenClassification.
  std::optional<FinetunedExport> finetuned = finetuned_export(checkpoint);
  Pretrained p = finetuned ? std::move(finetuned->pretrained) : load_pretrained(checkpoint);
  if (fs::exists(out) && !fs::is_dir(out))
    throw UsageError(out + " exists and is not a directory; --out names the export directory");
  const bool into_existing = fs::is_dir(out);
  if (into_existing && !std::filesystem::is_empty(out)) {
    if (!force) throw UsageError(out + " exists and is not empty; pass --force to overwrite it");
    if (fs::exists(fs::join(out, "DONE")) || fs::exists(fs::join(out, "state.json")))
      throw UsageError(out + " is a bertforge checkpoint: export to another directory (--force " +
                       "replaces the export files in a directory, never a checkpoint)");
  }
  const ModelShape& s = p.model->shape();
  // Parameters in the architecture's HF naming (BertForPreTraining, ModernBertForMaskedLM). The
  // decoder weight is tied to the word embeddings: like HuggingFace, store each tensor once.
  std::vector<std::pair<std::string, torch::Tensor>> tensors;
  if (finetuned) tensors = finetuned->tensors;
  for (const auto& item : p.model->named_parameters())
    if (!finetuned) tensors.emplace_back(item.key(), item.value());
  const Tokenizer tok = Tokenizer::load(p.tokenizer_model);
  json config = hf_model_config(s, s.vocab_size, tok.specials());
  if (finetuned) config.update(finetuned->hf_keys);
  config["bertforge"] = {{"step", p.step},
                         {"weights_checksum", p.weights_checksum},
                         {"tokenizer_checksum", p.tokenizer_checksum},
                         {"nsp", p.has_nsp_head},
                         // The training config: evaluating the export masks and batches
                         // exactly like evaluating the checkpoint.
                         {"config", config_to_json(p.config)}};
  const std::vector<std::pair<std::string, std::string>> tokenizer_files =
      hf_tokenizer_files(tok, s.max_position, s.architecture == "roberta");
  // Written into a temp directory, then renamed to `out`; into an existing directory (--force),
  // each file is renamed over its namesake and nothing else there is touched.
  StagedDir staged(out);
  staged.write_files([&] {
    write_safetensors(staged.file("model.safetensors"), tensors, {{"format", "pt"}});
    fs::write_file_atomic(staged.file("config.json"), config.dump(2) + "\n");
    for (const auto& [name, bytes] : tokenizer_files)
      fs::write_file_atomic(staged.file(name), bytes);
  });
  if (into_existing)
    staged.publish_into();
  else
    staged.publish();
  log::info("exported {} tensors from {} to {}", tensors.size(), p.dir, out);
  return static_cast<int>(tensors.size());
}

int export_command(const std::string& checkpoint, const std::string& out, bool force) {
  const int n = export_huggingface(checkpoint, out, force);
  std::cout << "exported " << n << " tensors to " << out << "\n";
  return 0;
}

}  // namespace bertforge
