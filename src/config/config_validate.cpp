// The config's one validator: every value range and choice, checked once after parsing, each
// error naming its key (`config: train.lr: must be > 0 (got -1)`).
#include <algorithm>
#include <cctype>
#include <cmath>
#include <sstream>
#include <string>
#include <vector>

#include "config/config.h"
#include "config/config_table.h"
#include "errors/errors.h"

namespace bertforge {
namespace {

// Throws ConfigError "<key>: must be <what> (got <got>)" unless `ok`.
template <class T>
void require(bool ok, const std::string& key, const std::string& what, const T& got) {
  if (ok) return;
  std::ostringstream ss;
  ss << "must be " << what << " (got " << got << ")";
  throw ConfigError(key, ss.str());
}

// Throws ConfigError "<key>: must be one of a | b (got 'v')" unless `v` is one of `options`.
void one_of(const std::string& v, const std::string& key,
            std::initializer_list<const char*> options) {
  std::string list;
  for (auto o : options) {
    if (v == o) return;
    list += (list.empty() ? "" : " | ") + std::string(o);
  }
  throw ConfigError(key, "must be one of " + list + " (got '" + v + "')");
}

void validate_tokenizer(const TokenizerConfig& t) {
  one_of(t.type, "tokenizer.type", {"unigram", "bpe", "wordpiece"});
  if (t.type == "wordpiece" && t.model.empty())
    throw ConfigError("tokenizer.type",
                      "wordpiece tokenizers are adopted, not trained: set tokenizer.model to a "
                      "vocab.txt (or --init-from a HuggingFace BERT directory)",
                      "or train a SentencePiece tokenizer with tokenizer.type unigram or bpe");
  require(t.vocab_size >= 16 && t.vocab_size <= 1000000, "tokenizer.vocab_size",
          "between 16 and 1000000", t.vocab_size);
  require(t.max_sentences > 0, "tokenizer.max_sentences", "> 0", t.max_sentences);
  // SentencePiece itself refuses coverage below 0.98.
  require(t.character_coverage >= 0.98 && t.character_coverage <= 1, "tokenizer.character_coverage",
          "in [0.98, 1]", t.character_coverage);
  require(t.threads >= 0, "tokenizer.threads", ">= 0", t.threads);
  if (t.lowercase && !t.model.empty())
    throw ConfigError(
        "tokenizer.lowercase", "applies to a tokenizer bertforge trains",
        "an adopted tokenizer.model keeps its own normalization; remove one of the two");
}

// data.sources: exclusive with train_files/valid_files; unique names that fit in a log key;
// weights >= 0 with a positive sum.
void validate_sources(const DataConfig& d) {
  if (d.sources.empty()) return;
  for (const char* key : {"data.train_files", "data.valid_files"})
    if (!(std::string(key) == "data.train_files" ? d.train_files : d.valid_files).empty())
      throw ConfigError(key, "must be empty when data.sources is set",
                        "give each source its files (and valid_files) in data.sources");
  require(d.sources.size() <= 1024, "data.sources", "at most 1024 sources", d.sources.size());
  double sum = 0;
  for (size_t i = 0; i < d.sources.size(); ++i) {
    const SourceConfig& s = d.sources[i];
    const std::string key = "data.sources[" + std::to_string(i) + "]";
    const bool name_ok =
        !s.name.empty() && s.name.size() <= 64 &&
        std::all_of(s.name.begin(), s.name.end(), [](char c) {
          return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.';
        });
    if (!name_ok)
      throw ConfigError(key + ".name",
                        "must be 1-64 letters, digits, '_', '-' or '.' (got '" + s.name + "')");
    for (size_t j = 0; j < i; ++j)
      if (d.sources[j].name == s.name)
        throw ConfigError(key + ".name", "'" + s.name + "' names two sources");
    if (s.files.empty()) throw ConfigError(key + ".files", "is empty", "list the source's files");
    require(std::isfinite(s.weight) && s.weight >= 0, key + ".weight", "a number >= 0", s.weight);
    sum += s.weight;
  }
  if (!(sum > 0))
    throw ConfigError("data.sources", "the weights must sum to a positive number (got " +
                                          std::to_string(sum) + ")");
}

void validate_data(const DataConfig& d) {
  require(d.valid_fraction >= 0 && d.valid_fraction < 1, "data.valid_fraction", "in [0, 1)",
          d.valid_fraction);
  one_of(d.format, "data.format", {"text", "jsonl", "csv", "tsv"});
  if (d.text_field.empty() || d.text_field.front() == '.' || d.text_field.back() == '.' ||
      d.text_field.find("..") != std::string::npos)
    throw ConfigError("data.text_field", "must be a field name or a dotted path such as meta.body");
  validate_sources(d);
  one_of(d.invalid_utf8, "data.invalid_utf8", {"error", "replace"});
  require(d.max_seq_len >= 8, "data.max_seq_len", ">= 8", d.max_seq_len);
  require(d.short_seq_prob >= 0 && d.short_seq_prob <= 1, "data.short_seq_prob", "in [0, 1]",
          d.short_seq_prob);
  require(d.threads >= 0, "data.threads", ">= 0", d.threads);
  require(d.shard_tokens >= 1000, "data.shard_tokens", ">= 1000", d.shard_tokens);
  require(d.prefetch >= 1, "data.prefetch", ">= 1", d.prefetch);
}

void validate_masking(const MaskingConfig& m) {
  one_of(m.strategy, "masking.strategy", {"token", "whole_word", "span"});
  require(m.probability > 0 && m.probability < 1, "masking.probability", "in (0, 1)",
          m.probability);
  require(m.mask >= 0 && m.mask <= 1, "masking.mask", "in [0, 1]", m.mask);
  require(m.random >= 0 && m.random <= 1, "masking.random", "in [0, 1]", m.random);
  require(m.mask + m.random <= 1 + 1e-9, "masking.random", "<= 1 - masking.mask", m.random);
  require(m.max_predictions >= 0, "masking.max_predictions", ">= 0", m.max_predictions);
  require(m.span_p > 0 && m.span_p <= 1, "masking.span_p", "in (0, 1]", m.span_p);
  require(m.span_max >= 1, "masking.span_max", ">= 1", m.span_max);
}

// The model keys only ModernBERT reads, and what it needs of the data.
void validate_modernbert(const ModelConfig& mo, const DataConfig& d) {
  require(!d.nsp, "data.nsp", "false with model.architecture modernbert (it has no NSP head)",
          "true");
  require((mo.hidden / mo.heads) % 2 == 0, "model.heads",
          "a head size (hidden / heads) that is even, for rotary embeddings", mo.heads);
  require(mo.global_attn_every_n_layers >= 1, "model.global_attn_every_n_layers", ">= 1",
          mo.global_attn_every_n_layers);
  require(mo.local_attention >= 2, "model.local_attention", ">= 2", mo.local_attention);
  require(mo.global_rope_theta > 0, "model.global_rope_theta", "> 0", mo.global_rope_theta);
  require(mo.local_rope_theta > 0, "model.local_rope_theta", "> 0", mo.local_rope_theta);
}

// `d`: the data, for the limits a model puts on it.
void validate_model(const ModelConfig& mo, const DataConfig& d) {
  one_of(mo.architecture, "model.architecture", {"bert", "roberta", "modernbert"});
  if (mo.architecture == "roberta")
    require(!d.nsp, "data.nsp", "false with model.architecture roberta (it has no NSP head)",
            "true");
  require(mo.layers >= 1, "model.layers", ">= 1", mo.layers);
  require(mo.hidden >= 8, "model.hidden", ">= 8", mo.hidden);
  require(mo.heads >= 1 && mo.hidden % mo.heads == 0, "model.heads",
          "a divisor of model.hidden (" + std::to_string(mo.hidden) + ")", mo.heads);
  // After the heads check: ModernBERT's head size divides by model.heads.
  if (mo.architecture == "modernbert") validate_modernbert(mo, d);
  require(mo.intermediate >= 1, "model.intermediate", ">= 1", mo.intermediate);
  require(mo.max_position >= d.max_seq_len, "model.max_position",
          ">= data.max_seq_len (" + std::to_string(d.max_seq_len) + ")", mo.max_position);
  require(mo.dropout >= 0 && mo.dropout < 1, "model.dropout", "in [0, 1)", mo.dropout);
  require(mo.attention_dropout >= 0 && mo.attention_dropout < 1, "model.attention_dropout",
          "in [0, 1)", mo.attention_dropout);
  if (mo.architecture == "bert")  // NSP's two segments
    require(mo.type_vocab_size >= 2, "model.type_vocab_size", ">= 2", mo.type_vocab_size);
  else
    require(mo.type_vocab_size >= 1, "model.type_vocab_size", ">= 1", mo.type_vocab_size);
  require(mo.layer_norm_eps > 0, "model.layer_norm_eps", "> 0", mo.layer_norm_eps);
  require(mo.initializer_range > 0, "model.initializer_range", "> 0", mo.initializer_range);
}

void validate_train(const TrainConfig& tr) {
  require(tr.steps >= 1, "train.steps", ">= 1", tr.steps);
  require(tr.epochs >= 0, "train.epochs", ">= 0", tr.epochs);
  require(tr.batch_size >= 1, "train.batch_size", ">= 1", tr.batch_size);
  require(tr.grad_accum >= 1, "train.grad_accum", ">= 1", tr.grad_accum);
  require(tr.lr > 0, "train.lr", "> 0", tr.lr);
  require(tr.warmup_steps >= -1, "train.warmup_steps", ">= 0, or -1 for train.warmup_ratio",
          tr.warmup_steps);
  require(tr.warmup_ratio >= 0 && tr.warmup_ratio < 1, "train.warmup_ratio", "in [0, 1)",
          tr.warmup_ratio);
  one_of(tr.schedule, "train.schedule", {"linear", "cosine", "constant", "wsd"});
  require(tr.decay_ratio > 0 && tr.decay_ratio <= 1, "train.decay_ratio", "in (0, 1]",
          tr.decay_ratio);
  one_of(tr.optimizer, "train.optimizer", {"adamw", "lamb"});
  require(tr.weight_decay >= 0, "train.weight_decay", ">= 0", tr.weight_decay);
  require(tr.beta1 >= 0 && tr.beta1 < 1, "train.beta1", "in [0, 1)", tr.beta1);
  require(tr.beta2 >= 0 && tr.beta2 < 1, "train.beta2", "in [0, 1)", tr.beta2);
  require(tr.eps > 0, "train.eps", "> 0", tr.eps);
  require(tr.clip_norm >= 0, "train.clip_norm", ">= 0", tr.clip_norm);
  require(tr.nsp_weight >= 0, "train.nsp_weight", ">= 0", tr.nsp_weight);
  one_of(tr.objective, "train.objective", {"mlm", "clm", "clm_then_mlm"});
  require(tr.clm_share > 0 && tr.clm_share < 1, "train.clm_share", "in (0, 1)", tr.clm_share);
  require(tr.log_every >= 1, "train.log_every", ">= 1", tr.log_every);
  require(tr.eval_every >= 0, "train.eval_every", ">= 0", tr.eval_every);
  require(tr.eval_batches >= 0, "train.eval_batches", ">= 0", tr.eval_batches);
  require(tr.save_every >= 0, "train.save_every", ">= 0", tr.save_every);
  require(tr.save_every_minutes >= 0, "train.save_every_minutes", ">= 0", tr.save_every_minutes);
  require(tr.keep_last >= 1, "train.keep_last", ">= 1", tr.keep_last);
  require(tr.early_stopping >= 0, "train.early_stopping", ">= 0", tr.early_stopping);
  if (tr.early_stopping > 0 && tr.eval_every == 0)
    throw ConfigError("train.early_stopping",
                      "needs periodic evaluation, but train.eval_every is 0 (only at the end)",
                      "set train.eval_every to the steps between evaluations");
  require(tr.early_stopping_min_delta >= 0, "train.early_stopping_min_delta", ">= 0",
          tr.early_stopping_min_delta);
  require(tr.threads >= 0, "train.threads", ">= 0", tr.threads);
  one_of(tr.device, "train.device", {"cpu", "cuda", "auto"});
  one_of(tr.thread_mode, "train.thread_mode", {"ops", "batch", "auto"});
  one_of(tr.precision, "train.precision", {"fp32", "bf16", "auto"});
  require(tr.max_skipped_steps >= 0, "train.max_skipped_steps", ">= 0", tr.max_skipped_steps);
  require(tr.dist_timeout_sec >= 1, "train.dist_timeout_sec", ">= 1", tr.dist_timeout_sec);
}

}  // namespace

void validate(const Config& c) {
  require(!c.run_dir.empty(), "run_dir", "a non-empty path", "\"\"");
  validate_tokenizer(c.tokenizer);
  validate_data(c.data);
  validate_masking(c.masking);
  validate_model(c.model, c.data);
  validate_train(c.train);
  if (c.train.objective != "mlm")
    require(!c.data.nsp, "data.nsp",
            "false with train.objective " + c.train.objective +
                " (a causal LM reads whole sentences, not NSP pairs)",
            "true");
  config_table::validate_valid_sets(c);
  config_table::validate_finetune(c.finetune);
}

}  // namespace bertforge
