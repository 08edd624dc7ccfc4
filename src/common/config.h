// The configuration: one typed struct per stage, every field with its default and a doc comment.
// Precedence: struct defaults < model preset < config file < --set overrides. The JSON is parsed
// and validated once, at the edge (load_config); stages only ever see these structs.
#pragma once

#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

namespace bertforge {

struct TokenizerConfig {
  std::string type = "unigram";        // unigram | bpe | wordpiece (adopted only).
  int vocab_size = 8000;               // Vocabulary size including the 5 specials.
  std::string model = "";              // Adopt this .model or vocab.txt instead of training one.
  int64_t max_sentences = 1000000;     // Train on at most this many (shuffled) sentences.
  double character_coverage = 0.9995;  // Share of characters the vocabulary must cover.
  bool byte_fallback = true;           // Encode unknown characters as byte pieces instead of [UNK].
  bool lowercase = false;              // Case-fold text in the tokenizer (an uncased model).
  int threads = 0;                     // Training threads; 0 = all cores.
  std::vector<std::string> add_tokens;  // Domain words added to a WordPiece vocabulary.
};

struct DataConfig {
  std::vector<std::string> train_files;  // Training corpus files (globs allowed).
  std::vector<std::string> valid_files;  // Validation files; empty = split off valid_fraction.
  double valid_fraction = 0.01;          // Share of documents held out when valid_files is empty.
  std::string format = "text";           // Corpus format: text (sentence per line) | jsonl.
  std::string text_field = "text";       // The field holding a document's text in jsonl.
  std::string invalid_utf8 = "error";    // Invalid UTF-8: error | replace (with U+FFFD).
  int max_seq_len = 128;                 // Tokens per example including [CLS]/[SEP].
  double short_seq_prob = 0.1;           // Share of examples that target a shorter random length.
  bool nsp = true;                  // NSP pairs (BERT); false = packed full sentences (RoBERTa).
  bool pad_to_max = false;          // Pad every batch to max_seq_len instead of its longest.
  int threads = 0;                  // Prepare's encoding threads; 0 = all cores.
  int64_t shard_tokens = 50000000;  // Tokens per shard file (approximately).
  int prefetch = 8;                 // Batches the loader prepares ahead in the background.
};

struct MaskingConfig {
  std::string strategy = "token";  // token | whole_word | span (SpanBERT).
  double probability = 0.15;       // Share of non-special tokens selected for prediction.
  double mask = 0.8;               // Of the selected: share replaced by [MASK].
  double random = 0.1;             // Of the selected: share replaced by a random token.
  int max_predictions = 0;         // Cap on selected positions per example; 0 = no cap.
  double span_p = 0.2;             // span: geometric distribution parameter of span lengths.
  int span_max = 10;               // span: longest span.
};

struct ModelConfig {
  std::string architecture = "bert";   // bert (BertForPreTraining) | modernbert (ModernBERT MLM).
  std::string preset = "tiny";         // tiny | mini | small | medium | base (sets the four sizes).
  int layers = 2;                      // Transformer layers (default from preset).
  int hidden = 128;                    // Hidden size (default from preset).
  int heads = 2;                       // Attention heads (default from preset).
  int intermediate = 512;              // Feed-forward size (default from preset: 4 x hidden).
  int max_position = 512;              // Position embeddings (>= data.max_seq_len).
  double dropout = 0.1;                // Hidden dropout.
  double attention_dropout = 0.1;      // Dropout on attention probabilities.
  int type_vocab_size = 2;             // Segment (token type) embeddings.
  double layer_norm_eps = 1e-12;       // LayerNorm epsilon.
  double initializer_range = 0.02;     // Std of the normal weight init.
  int global_attn_every_n_layers = 3;  // modernbert: every n-th layer (from 0) attends globally.
  int local_attention = 128;           // modernbert: other layers see |i - j| <= this / 2.
  double global_rope_theta = 160000.0;  // modernbert: rotary base of the global layers.
  double local_rope_theta = 10000.0;    // modernbert: rotary base of the local layers.
};

struct TrainConfig {
  int64_t steps = 1000;        // Optimizer steps; ignored when epochs > 0.
  double epochs = 0;           // Train for this many passes over the data instead of steps.
  int batch_size = 32;         // Examples per micro-batch per process.
  int grad_accum = 1;          // Micro-batches per optimizer step.
  double lr = 1e-4;            // Peak learning rate.
  int64_t warmup_steps = -1;   // Linear warmup steps; -1 = warmup_ratio of the steps.
  double warmup_ratio = 0.01;  // Warmup share of the steps when warmup_steps is -1 (>= 1 step).
  std::string schedule = "linear";  // After warmup: linear | cosine | constant | wsd.
  double decay_ratio = 0.2;         // wsd: share of the steps of the final linear decay to 0.
  std::string optimizer = "adamw";  // adamw | lamb (layer-wise trust ratio, for large batches).
  double weight_decay = 0.01;       // Decoupled weight decay (not on biases and LayerNorm).
  double beta1 = 0.9;               // Adam beta1 (AdamW and LAMB).
  double beta2 = 0.999;             // Adam beta2 (AdamW and LAMB).
  double eps = 1e-6;                // Adam epsilon (AdamW and LAMB).
  double clip_norm = 1.0;           // Clip the global gradient norm; 0 = off.
  double nsp_weight = 1.0;          // Weight of the NSP loss in the total loss.
  int64_t log_every = 10;           // Steps between train.jsonl lines.
  int64_t eval_every = 500;         // Steps between evaluations; 0 = only at the end.
  int64_t eval_batches = 50;        // Validation batches per evaluation; 0 = all.
  int64_t save_every = 500;         // Steps between checkpoints; 0 = only at the end.
  double save_every_minutes = 0.0;  // Also save when this much time passed since the last; 0 = off.
  int keep_last = 3;                // Complete checkpoints kept (the newest is never pruned).
  bool keep_best = true;            // Keep the lowest-validation-loss model in run_dir/best/.
  bool tensorboard = true;          // Also write the logged scalars to run_dir/logs/tensorboard/.
  int early_stopping = 0;  // Stop after this many evaluations without improvement; 0 = off.
  double early_stopping_min_delta =
      0.0;                         // Improvement = validation MLM loss lower by more than this.
  int threads = 0;                 // Intra-op threads; 0 = all cores.
  std::string device = "cpu";      // cpu | cuda | auto.
  std::string precision = "fp32";  // fp32 | bf16 (autocast).
  int max_skipped_steps = 0;       // Non-finite losses skipped before the run fails.
  int dist_timeout_sec = 300;      // Distributed: seconds before a missing rank is an error.
};

struct Config {
  std::string run_dir = "runs/default";  // Where every stage writes its output.
  uint64_t seed = 42;                    // Seed for every random decision.
  TokenizerConfig tokenizer;
  DataConfig data;
  MaskingConfig masking;
  ModelConfig model;
  TrainConfig train;
};

// One documented key, for help texts and the README table.
struct KeyDoc {
  std::string key;       // Dotted path, e.g. "train.lr".
  std::string type;      // int | float | bool | string | list.
  std::string fallback;  // Default, as JSON.
  std::string doc;
};

// Reads `path` (may be empty: defaults only), applies `overrides` ("a.b=value", value parsed as
// JSON, else taken as a string), applies the model preset and validates. Throws ConfigError.
Config load_config(const std::string& path, const std::vector<std::string>& overrides);
// `c` with --set style overrides applied (and validated again).
Config with_overrides(const Config& c, const std::vector<std::string>& overrides);
// Same, from an already parsed JSON object (used by tests and checkpoints).
Config config_from_json(const nlohmann::json& j);
nlohmann::json config_to_json(const Config& c);
std::string config_to_string(const Config& c);  // Pretty JSON.
// Checks cross-field constraints; throws ConfigError naming the key.
void validate(const Config& c);  // in config_validate.cpp
// Every key with its type, default and documentation.
std::vector<KeyDoc> config_keys();
// Applies the named preset's sizes to `m` (layers, hidden, heads, intermediate).
void apply_preset(const std::string& preset, ModelConfig& m);

// Resolved thread count (0 = all cores).
int resolve_threads(int threads);

}  // namespace bertforge
