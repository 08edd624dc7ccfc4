#include "finetune/finetune_export.h"

#include "errors/errors.h"
#include "finetune/finetuned.h"

namespace bertforge {
using json = nlohmann::json;

std::optional<FinetunedExport> finetuned_export(const std::string& checkpoint) {
  if (find_finetuned(checkpoint).empty()) return std::nullopt;
  Finetuned f = load_finetuned(checkpoint);
  const HeadSpec& spec = f.model->spec();
  const std::string arch = f.model->shape().architecture;
  const bool bert = arch == "bert";
  if (bert && !spec.token_level() && spec.pooling == "mean")
    throw UsageError(f.dir +
                     ": a bert model fine-tuned with finetune.pooling mean has no "
                     "HuggingFace class (BertForSequenceClassification pools [CLS])");
  FinetunedExport e;
  e.pretrained.model = make_model(f.model->shape());
  e.pretrained.config = f.config;
  e.pretrained.dir = f.dir;
  e.pretrained.tokenizer_model = f.tokenizer_model;
  e.pretrained.tokenizer_checksum = f.tokenizer_checksum;
  e.pretrained.weights_checksum = f.weights_checksum;
  e.pretrained.step = f.step;
  e.pretrained.has_nsp_head = false;
  e.tensors = f.model->export_tensors();
  const std::string kind = spec.token_level() ? "TokenClassification" : "SequenceClassification";
  json id2label = json::object(), label2id = json::object();
  if (f.task == "regression") {
    id2label["0"] = "LABEL_0";
    label2id["LABEL_0"] = 0;
  }
  for (int i = 0; i < f.labels.size(); ++i) {
    id2label[std::to_string(i)] = f.labels.name(i);
    label2id[f.labels.name(i)] = i;
  }
  e.hf_keys = {{"architectures", {std::string(bert ? "Bert" : "ModernBert") + "For" + kind}},
               {"id2label", id2label},
               {"label2id", label2id},
               {"classifier_dropout", spec.dropout}};
  if (!spec.token_level())
    e.hf_keys["problem_type"] =
        f.task == "regression" ? "regression" : "single_label_classification";
  if (!bert) e.hf_keys["classifier_pooling"] = spec.pooling;
  return e;
}

}  // namespace bertforge
