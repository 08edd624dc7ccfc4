// The `finetune` section of the config key table (config/finetune_config.h) and its checks.
#include <sstream>

#include "config/config.h"
#include "config/config_table.h"
#include "errors/errors.h"

namespace bertforge::config_table {

const Section<FinetuneConfig>& finetune_section() {
  using T = FinetuneConfig;
  static const Section<T> s{
      "finetune",
      {{"task",
        "classification (one label a text or text pair) | regression (one number) | "
        "token_classification (one tag a word, e.g. BIO entities).",
        &T::task},
       {"train_file", "Labelled training data (format below).", &T::train_file},
       {"valid_file",
        "Labelled validation data: metrics every epoch, best/ on finetune.metric; empty = none.",
        &T::valid_file},
       {"format",
        "jsonl (one object a line) | csv | tsv (a header row naming the columns; RFC 4180 "
        "quotes). token_classification reads jsonl.",
        &T::format},
       {"text_field", "The field or column of the text.", &T::text_field},
       {"text_pair_field", "The field of the second text of a pair; empty = single texts.",
        &T::text_pair_field},
       {"label_field",
        "The field of the label: a string or integer (classification), a number (regression).",
        &T::label_field},
       {"tokens_field", "token_classification: the field holding the list of words.",
        &T::tokens_field},
       {"tags_field", "token_classification: the field holding one tag (string) per word.",
        &T::tags_field},
       {"init_from",
        "The model to start from (a run, checkpoint, final/, export or HuggingFace directory; "
        "--init-from overrides); empty = fresh weights of model.* with tokenizer.model.",
        &T::init_from},
       {"epochs", "Passes over the training data.", &T::epochs},
       {"lr", "Peak learning rate (AdamW).", &T::lr},
       {"batch_size", "Examples per optimizer step.", &T::batch_size},
       {"max_seq_len",
        "Tokens per example including [CLS]/[SEP] (cut to the model's positions); longer texts "
        "are truncated, a pair longest-first.",
        &T::max_seq_len},
       {"pooling",
        "Sequence heads: cls (BERT: its tanh pooler on [CLS], as BertForSequenceClassification) "
        "| mean (over the tokens) | auto (cls for bert, mean for modernbert).",
        &T::pooling},
       {"dropout", "Dropout before the classifier.", &T::dropout},
       {"warmup_ratio", "Linear warmup share of the steps, then linear decay to 0.",
        &T::warmup_ratio},
       {"weight_decay", "Decoupled weight decay (not on biases and norms).", &T::weight_decay},
       {"beta1", "AdamW beta1.", &T::beta1},
       {"beta2", "AdamW beta2.", &T::beta2},
       {"eps", "AdamW epsilon.", &T::eps},
       {"clip_norm", "Clip the global gradient norm; 0 = off.", &T::clip_norm},
       {"subword_labels",
        "token_classification: first (a word's first piece carries its tag, the others are "
        "ignored) | all (every piece carries it).",
        &T::subword_labels},
       {"metric",
        "The validation metric best/ follows: auto (accuracy | pearson | f1 by task) | accuracy "
        "| macro_f1 | mcc | pearson | spearman | f1.",
        &T::metric},
       {"log_every", "Steps between train.jsonl lines.", &T::log_every},
       {"eval_batch_size", "Examples per batch when evaluating and predicting.",
        &T::eval_batch_size}}};
  return s;
}

namespace {
template <class T>
void require_finetune(bool ok, const std::string& key, const std::string& what, const T& got) {
  if (ok) return;
  std::ostringstream ss;
  ss << "must be " << what << " (got " << got << ")";
  throw ConfigError("finetune." + key, ss.str());
}

void one_of_finetune(const std::string& v, const std::string& key,
                     std::initializer_list<const char*> options) {
  std::string list;
  for (auto o : options) {
    if (v == o) return;
    list += (list.empty() ? "" : " | ") + std::string(o);
  }
  throw ConfigError("finetune." + key, "must be one of " + list + " (got '" + v + "')");
}
}  // namespace

void validate_finetune(const FinetuneConfig& f) {
  one_of_finetune(f.task, "task", {"classification", "regression", "token_classification"});
  one_of_finetune(f.format, "format", {"jsonl", "csv", "tsv"});
  one_of_finetune(f.pooling, "pooling", {"auto", "cls", "mean"});
  one_of_finetune(f.subword_labels, "subword_labels", {"first", "all"});
  one_of_finetune(f.metric, "metric",
                  {"auto", "accuracy", "macro_f1", "mcc", "pearson", "spearman", "f1"});
  require_finetune(f.epochs >= 1, "epochs", ">= 1", f.epochs);
  require_finetune(f.lr > 0, "lr", "> 0", f.lr);
  require_finetune(f.batch_size >= 1, "batch_size", ">= 1", f.batch_size);
  require_finetune(f.max_seq_len >= 4, "max_seq_len", ">= 4", f.max_seq_len);
  require_finetune(f.dropout >= 0 && f.dropout < 1, "dropout", "in [0, 1)", f.dropout);
  require_finetune(f.warmup_ratio >= 0 && f.warmup_ratio <= 1, "warmup_ratio", "in [0, 1]",
                   f.warmup_ratio);
  require_finetune(f.weight_decay >= 0, "weight_decay", ">= 0", f.weight_decay);
  require_finetune(f.beta1 >= 0 && f.beta1 < 1, "beta1", "in [0, 1)", f.beta1);
  require_finetune(f.beta2 >= 0 && f.beta2 < 1, "beta2", "in [0, 1)", f.beta2);
  require_finetune(f.eps > 0, "eps", "> 0", f.eps);
  require_finetune(f.clip_norm >= 0, "clip_norm", ">= 0", f.clip_norm);
  require_finetune(f.log_every >= 1, "log_every", ">= 1", f.log_every);
  require_finetune(f.eval_batch_size >= 1, "eval_batch_size", ">= 1", f.eval_batch_size);
  const bool tokens = f.task == "token_classification";
  if (tokens && f.format != "jsonl")
    throw ConfigError("finetune.format",
                      "token_classification reads jsonl (lists of words and tags)",
                      "set finetune.format to jsonl");
  const bool regression_metric = f.metric == "pearson" || f.metric == "spearman";
  const bool class_metric = f.metric == "accuracy" || f.metric == "macro_f1" || f.metric == "mcc";
  if ((f.task == "regression" && (class_metric || f.metric == "f1")) ||
      (f.task == "classification" && (regression_metric || f.metric == "f1")) ||
      (tokens && f.metric != "auto" && f.metric != "f1"))
    throw ConfigError("finetune.metric", "'" + f.metric + "' is not a metric of task " + f.task,
                      "classification: accuracy | macro_f1 | mcc; regression: pearson | "
                      "spearman; token_classification: f1");
}

}  // namespace bertforge::config_table
