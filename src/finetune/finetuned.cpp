#include "finetune/finetuned.h"

#include <nlohmann/json.hpp>

#include "checkpoint/checkpoint.h"
#include "errors/errors.h"
#include "fs/fs.h"
#include "run/run_layout.h"

namespace bertforge {
using json = nlohmann::json;

bool is_finetuned_dir(const std::string& dir) {
  return is_checkpoint_dir(dir) && fs::exists(fs::join(dir, kLabelsFile));
}

std::string find_finetuned(const std::string& path) {
  std::string p = path;
  while (p.size() > 1 && p.back() == '/') p.pop_back();
  if (is_finetuned_dir(p)) return p;
  for (const std::string& d : {best_dir(p), final_dir(p)})
    if (fs::exists(fs::join(d, ckpt_file::kDone)) && is_finetuned_dir(d)) return d;
  if (fs::is_dir(checkpoints_dir(p)))
    if (auto n = newest_checkpoint(p); n && is_finetuned_dir(n->dir)) return n->dir;
  return "";
}

HeadSpec head_spec(const FinetuneConfig& f, const LabelSet& labels,
                   const std::string& architecture) {
  HeadSpec h;
  h.task = f.task;
  h.pooling = resolve_pooling(f.pooling, architecture);
  h.num_labels = f.task == "regression" ? 1 : labels.size();
  h.dropout = f.dropout;
  return h;
}

Finetuned load_finetuned(const std::string& path) {
  const std::string dir = find_finetuned(path);
  if (dir.empty())
    throw InputError(path, 0, "no fine-tuned model found",
                     "pass a `bertforge finetune` run directory or one of its checkpoints");
  const CheckpointInfo info = read_checkpoint(dir);
  Finetuned f;
  f.dir = dir;
  f.config = info.config;
  f.step = info.step;
  f.tokenizer_model = fs::join(dir, ckpt_file::kTokenizer);
  f.tokenizer_checksum = info.tokenizer_checksum;
  f.weights_checksum = info.model_checksum;
  const std::string labels_path = fs::join(dir, kLabelsFile);
  json j;
  try {
    j = json::parse(fs::read_file(labels_path));
  } catch (const json::exception& e) {
    throw InputError(labels_path, 0, std::string("malformed JSON: ") + e.what());
  }
  f.labels = labels_from_json(j, labels_path, &f.task);
  if (f.task != f.config.finetune.task)
    throw InputError(labels_path, 0,
                     "task " + f.task + " but config.json says " + f.config.finetune.task);
  ModelPtr backbone = make_model(info.shape);
  f.model =
      ClassifierModel(backbone, head_spec(f.config.finetune, f.labels, info.shape.architecture));
  load_weights(dir, *f.model);
  f.model->eval();
  return f;
}

}  // namespace bertforge
