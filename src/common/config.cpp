#include "common/config.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>
#include <variant>

#include "common/errors.h"
#include "common/fs.h"
#include "common/suggest.h"

namespace bertforge {
using json = nlohmann::json;

namespace {

// ---- the key table: one row per config key, bound to a struct member -------------------------
// The one place a key is documented: `bertforge config --docs`, the commands' --help and the
// README's key table print these doc strings (config.h holds only the fields and their defaults).

template <class S>
struct Field {
  const char* key;
  const char* doc;
  std::variant<int S::*, int64_t S::*, uint64_t S::*, double S::*, bool S::*, std::string S::*,
               std::vector<std::string> S::*>
      member;
};

template <class S>
struct Section {
  const char* name;  // "" for the top level.
  std::vector<Field<S>> fields;
};

const Section<Config>& top_section() {
  static const Section<Config> s{
      "",
      {{"run_dir", "Where every stage writes its output.", &Config::run_dir},
       {"seed", "Seed for every random decision.", &Config::seed}}};
  return s;
}

const Section<TokenizerConfig>& tokenizer_section() {
  using T = TokenizerConfig;
  static const Section<T> s{
      "tokenizer",
      {{"type", "unigram | bpe (SentencePiece, trained) | wordpiece (adopted: a vocab.txt).",
        &T::type},
       {"vocab_size", "Vocabulary size including the 5 specials.", &T::vocab_size},
       {"model",
        "Adopt this tokenizer instead of training one: a SentencePiece .model, a WordPiece "
        "vocab.txt, or a HuggingFace tokenizer.json (or a directory holding one).",
        &T::model},
       {"max_sentences", "Train on at most this many (shuffled) sentences.", &T::max_sentences},
       {"character_coverage", "Share of characters the vocabulary must cover.",
        &T::character_coverage},
       {"byte_fallback", "Encode unknown characters as byte pieces instead of [UNK].",
        &T::byte_fallback},
       {"lowercase", "Case-fold text in the tokenizer (an uncased model).", &T::lowercase},
       {"threads", "Training threads; 0 = all cores.", &T::threads},
       {"add_tokens",
        "Domain words added to an adopted WordPiece vocabulary ([unused*] slots first, then new "
        "rows; their embeddings start as the mean of their old pieces'): a list, or a file with "
        "one word a line.",
        &T::add_tokens}}};
  return s;
}

const Section<DataConfig>& data_section() {
  using T = DataConfig;
  static const Section<T> s{
      "data",
      {{"train_files", "Training corpus files (globs allowed).", &T::train_files},
       {"valid_files", "Validation files; empty = split off valid_fraction.", &T::valid_files},
       {"valid_fraction", "Share of documents held out when valid_files is empty.",
        &T::valid_fraction},
       {"format", "Corpus format: text (sentence per line) | jsonl.", &T::format},
       {"text_field", "The field holding a document's text in jsonl.", &T::text_field},
       {"invalid_utf8", "Invalid UTF-8: error | replace (with U+FFFD).", &T::invalid_utf8},
       {"max_seq_len", "Tokens per example including [CLS]/[SEP].", &T::max_seq_len},
       {"short_seq_prob", "Share of examples that target a shorter random length.",
        &T::short_seq_prob},
       {"nsp", "NSP sentence pairs (BERT); false = packed full sentences (RoBERTa).", &T::nsp},
       {"pad_to_max", "Pad every batch to max_seq_len instead of its longest example.",
        &T::pad_to_max},
       {"pack",
        "Pack several examples into each row up to max_seq_len (first-fit-decreasing; attention, "
        "positions and NSP kept per example): the same examples and losses, fewer positions.",
        &T::pack},
       {"threads", "Prepare's encoding threads; 0 = all cores.", &T::threads},
       {"shard_tokens", "Tokens per shard file (approximately).", &T::shard_tokens},
       {"prefetch", "Batches the loader prepares ahead in the background.", &T::prefetch}}};
  return s;
}

const Section<MaskingConfig>& masking_section() {
  using T = MaskingConfig;
  static const Section<T> s{
      "masking",
      {{"strategy", "token | whole_word | span (SpanBERT).", &T::strategy},
       {"probability", "Share of non-special tokens selected for prediction.", &T::probability},
       {"mask", "Of the selected: share replaced by [MASK].", &T::mask},
       {"random", "Of the selected: share replaced by a random token.", &T::random},
       {"max_predictions", "Cap on selected positions per example; 0 = no cap.",
        &T::max_predictions},
       {"span_p", "span: geometric distribution parameter of span lengths.", &T::span_p},
       {"span_max", "span: longest span.", &T::span_max}}};
  return s;
}

const Section<ModelConfig>& model_section() {
  using T = ModelConfig;
  static const Section<T> s{
      "model",
      {{"architecture",
        "bert (BertForPreTraining, with NSP) | roberta (HF RobertaForMaskedLM: BERT's encoder, "
        "positions from the [PAD] id + 1, one token type; MLM only) | modernbert (HF ModernBERT: "
        "pre-norm without biases, rotary positions, GeGLU, local/global attention; MLM only).",
        &T::architecture},
       {"preset", "tiny | mini | small | medium | base (sets layers/hidden/heads/intermediate).",
        &T::preset},
       {"layers", "Transformer layers (default from preset).", &T::layers},
       {"hidden", "Hidden size (default from preset).", &T::hidden},
       {"heads", "Attention heads (default from preset).", &T::heads},
       {"intermediate", "Feed-forward size (default from preset: 4 x hidden).", &T::intermediate},
       {"max_position", "Position embeddings (>= data.max_seq_len).", &T::max_position},
       {"dropout", "Hidden dropout.", &T::dropout},
       {"attention_dropout", "Dropout on attention probabilities.", &T::attention_dropout},
       {"type_vocab_size", "Segment (token type) embeddings (roberta: 1 unless set).",
        &T::type_vocab_size},
       {"layer_norm_eps", "LayerNorm epsilon.", &T::layer_norm_eps},
       {"initializer_range", "Std of the normal weight init.", &T::initializer_range},
       {"global_attn_every_n_layers",
        "modernbert: layers 0, n, 2n, ... attend globally, the others locally.",
        &T::global_attn_every_n_layers},
       {"local_attention", "modernbert: a local layer's window (|i - j| <= local_attention / 2).",
        &T::local_attention},
       {"global_rope_theta", "modernbert: rotary base of the global layers.",
        &T::global_rope_theta},
       {"local_rope_theta", "modernbert: rotary base of the local layers.", &T::local_rope_theta}}};
  return s;
}

const Section<TrainConfig>& train_section() {
  using T = TrainConfig;
  static const Section<T> s{
      "train",
      {{"steps", "Optimizer steps; ignored when epochs > 0.", &T::steps},
       {"epochs", "Train for this many passes over the data instead of steps.", &T::epochs},
       {"batch_size", "Examples per micro-batch per process.", &T::batch_size},
       {"grad_accum", "Micro-batches per optimizer step.", &T::grad_accum},
       {"lr", "Peak learning rate.", &T::lr},
       {"warmup_steps", "Linear warmup steps; -1 = warmup_ratio of the steps.", &T::warmup_steps},
       {"warmup_ratio", "Warmup share of the steps when warmup_steps is -1 (>= 1 step).",
        &T::warmup_ratio},
       {"schedule",
        "After warmup: linear (to 0) | cosine (to 0) | constant | wsd (warmup-stable-decay: the "
        "peak, then linear to 0 over the last decay_ratio of the steps).",
        &T::schedule},
       {"decay_ratio", "wsd: share of the steps of the final linear decay to 0.", &T::decay_ratio},
       {"optimizer", "adamw | lamb (layer-wise trust ratio, for large batches).", &T::optimizer},
       {"weight_decay", "Decoupled weight decay (not on biases and LayerNorm).", &T::weight_decay},
       {"beta1", "Adam beta1 (AdamW and LAMB).", &T::beta1},
       {"beta2", "Adam beta2 (AdamW and LAMB).", &T::beta2},
       {"eps", "Adam epsilon (AdamW and LAMB).", &T::eps},
       {"clip_norm", "Clip the global gradient norm; 0 = off.", &T::clip_norm},
       {"nsp_weight", "Weight of the NSP loss in the total loss.", &T::nsp_weight},
       {"objective",
        "mlm (masked LM, + NSP with data.nsp) | clm (causal LM: causal attention, next-token "
        "loss, no masking) | clm_then_mlm (CLM for the first clm_share of the steps, then MLM).",
        &T::objective},
       {"clm_share", "clm_then_mlm: share of the steps trained with CLM.", &T::clm_share},
       {"log_every", "Steps between train.jsonl lines.", &T::log_every},
       {"eval_every", "Steps between evaluations; 0 = only at the end.", &T::eval_every},
       {"eval_batches", "Validation batches per evaluation; 0 = all.", &T::eval_batches},
       {"save_every", "Steps between checkpoints; 0 = only at the end.", &T::save_every},
       {"save_every_minutes", "Also save when this much time passed since the last; 0 = off.",
        &T::save_every_minutes},
       {"keep_last", "Complete checkpoints kept (the newest is never pruned).", &T::keep_last},
       {"keep_best", "Keep the lowest-validation-loss model in run_dir/best/.", &T::keep_best},
       {"tensorboard", "Also write the logged scalars to run_dir/logs/tensorboard/.",
        &T::tensorboard},
       {"early_stopping", "Stop after this many evaluations without improvement; 0 = off.",
        &T::early_stopping},
       {"early_stopping_min_delta", "Improvement = validation MLM loss lower by more than this.",
        &T::early_stopping_min_delta},
       {"threads", "Training threads; 0 = all cores.", &T::threads},
       {"thread_mode",
        "How the threads share a step: ops (each operation split over them) | batch (each "
        "micro-batch split by rows, one part per thread, each on its own model replica; CPU "
        "only) | auto (batch on the CPU up to 8 threads while the replicas' gradients take <= 1 "
        "GiB, else ops).",
        &T::thread_mode},
       {"device", "cpu | cuda | auto.", &T::device},
       {"precision",
        "auto (bf16 autocast on CUDA and on CPUs with AVX512-BF16/AMX, else fp32) | fp32 | "
        "bf16.",
        &T::precision},
       {"max_skipped_steps", "Non-finite losses skipped before the run fails.",
        &T::max_skipped_steps},
       {"dist_timeout_sec", "Distributed: seconds before a missing rank is an error.",
        &T::dist_timeout_sec}}};
  return s;
}

// Calls f(section, structref) for every section of `c`.
template <class C, class F>
void for_each_section(C& c, F&& f) {
  f(top_section(), c);
  f(tokenizer_section(), c.tokenizer);
  f(data_section(), c.data);
  f(masking_section(), c.masking);
  f(model_section(), c.model);
  f(train_section(), c.train);
}

std::string key_path(const char* section, const char* key) {
  return *section ? std::string(section) + "." + key : std::string(key);
}

std::string type_name(const json& v) {
  switch (v.type()) {
    case json::value_t::null:
      return "null";
    case json::value_t::boolean:
      return "a boolean";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
      return "an integer";
    case json::value_t::number_float:
      return "a number";
    case json::value_t::string:
      return "a string";
    case json::value_t::array:
      return "a list";
    case json::value_t::object:
      return "an object";
    default:
      return "a value";
  }
}

// Assigns JSON value `v` to the member, checking its type.
template <class S>
void assign(S& s, const Field<S>& f, const json& v, const std::string& key) {
  auto bad = [&](const char* expected) {
    return ConfigError(
        key, std::string("expected ") + expected + " (got " + type_name(v) + " " + v.dump() + ")");
  };
  std::visit(
      [&](auto member) {
        using V = std::decay_t<decltype(s.*member)>;
        if constexpr (std::is_same_v<V, bool>) {
          if (!v.is_boolean()) throw bad("true or false");
          s.*member = v.get<bool>();
        } else if constexpr (std::is_integral_v<V>) {
          int64_t n = 0;
          if (v.is_number_float()) {
            // A whole number within int64 (1e3) is taken; casting any other double is UB.
            const double d = v.get<double>();
            if (!(d >= -9223372036854775808.0 && d < 9223372036854775808.0) || std::trunc(d) != d)
              throw bad("an integer");
            n = static_cast<int64_t>(d);
          } else if (v.is_number_unsigned()) {
            if (v.get<uint64_t>() > uint64_t(std::numeric_limits<int64_t>::max()))
              throw bad("an integer in range");
            n = static_cast<int64_t>(v.get<uint64_t>());
          } else if (v.is_number_integer()) {
            n = v.get<int64_t>();
          } else {
            throw bad("an integer");
          }
          if (std::is_unsigned_v<V> && n < 0) throw bad("a non-negative integer");
          if constexpr (sizeof(V) < sizeof(int64_t))
            if (n < static_cast<int64_t>(std::numeric_limits<V>::min()) ||
                n > static_cast<int64_t>(std::numeric_limits<V>::max()))
              throw bad("an integer in range");  // not wrapped round into a small one
          s.*member = static_cast<V>(n);
        } else if constexpr (std::is_floating_point_v<V>) {
          if (!v.is_number()) throw bad("a number");
          s.*member = v.get<double>();
        } else if constexpr (std::is_same_v<V, std::string>) {
          if (!v.is_string()) throw bad("a string");
          s.*member = v.get<std::string>();
        } else {
          if (v.is_string()) {
            s.*member = {v.get<std::string>()};
            return;
          }
          if (!v.is_array()) throw bad("a list of strings");
          std::vector<std::string> out;
          for (const auto& e : v) {
            if (!e.is_string()) throw bad("a list of strings");
            out.push_back(e.get<std::string>());
          }
          s.*member = out;
        }
      },
      f.member);
}

template <class S>
json member_to_json(const S& s, const Field<S>& f) {
  return std::visit([&](auto member) { return json(s.*member); }, f.member);
}

std::vector<std::string> all_keys() {
  std::vector<std::string> keys;
  Config c;
  for_each_section(c, [&](const auto& sec, auto&) {
    for (const auto& f : sec.fields) keys.push_back(key_path(sec.name, f.key));
    if (*sec.name) keys.push_back(sec.name);
  });
  return keys;
}

[[noreturn]] void unknown_key(const std::string& key) {
  const std::string near = closest_key(key, all_keys());
  throw ConfigError(
      key, "unknown key",
      near.empty() ? "see `bertforge config --docs` for every key" : did_you_mean(near));
}

const std::vector<std::pair<std::string, std::vector<int>>>& presets() {
  // name -> layers, hidden, heads, intermediate
  static const std::vector<std::pair<std::string, std::vector<int>>> p = {
      {"tiny", {2, 128, 2, 512}},
      {"mini", {4, 256, 4, 1024}},
      {"small", {4, 512, 8, 2048}},
      {"medium", {8, 512, 8, 2048}},
      {"base", {12, 768, 12, 3072}}};
  return p;
}

}  // namespace

void apply_preset(const std::string& preset, ModelConfig& m) {
  for (const auto& [name, v] : presets()) {
    if (name == preset) {
      m.layers = v[0], m.hidden = v[1], m.heads = v[2], m.intermediate = v[3];
      return;
    }
  }
  throw ConfigError("model.preset", "unknown preset '" + preset + "'",
                    "expected tiny | mini | small | medium | base");
}

int resolve_threads(int threads) {
  if (threads > 0) return threads;
  unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : static_cast<int>(n);
}

Config config_from_json(const json& j, bool validate_config) {
  if (!j.is_object()) throw ConfigError("(top level)", "expected a JSON object");
  Config c;
  // Unknown sections / keys first, with suggestions.
  for (auto it = j.begin(); it != j.end(); ++it) {
    bool known = false;
    for_each_section(c, [&](const auto& sec, auto&) {
      if (*sec.name && it.key() == sec.name) {
        known = true;
        if (!it.value().is_object())
          throw ConfigError(it.key(), "expected an object (a section of keys)");
        for (auto kt = it.value().begin(); kt != it.value().end(); ++kt) {
          bool found = std::any_of(sec.fields.begin(), sec.fields.end(),
                                   [&](const auto& f) { return kt.key() == f.key; });
          if (!found) unknown_key(it.key() + "." + kt.key());
        }
      }
      if (!*sec.name)
        for (const auto& f : sec.fields)
          if (it.key() == f.key) known = true;
    });
    if (!known) unknown_key(it.key());
  }
  // The preset first, so that explicit sizes override it.
  if (j.contains("model") && j["model"].contains("preset")) {
    for (const auto& f : model_section().fields)
      if (std::string(f.key) == "preset") assign(c.model, f, j["model"]["preset"], "model.preset");
  }
  apply_preset(c.model.preset, c.model);
  for_each_section(c, [&](const auto& sec, auto& s) {
    const json* obj = *sec.name ? (j.contains(sec.name) ? &j[sec.name] : nullptr) : &j;
    if (!obj) return;
    for (const auto& f : sec.fields) {
      auto found = obj->find(f.key);
      if (found == obj->end()) continue;
      assign(s, f, *found, key_path(sec.name, f.key));
      c.given.insert(key_path(sec.name, f.key));
    }
  });
  // RoBERTa has one token type (all segments are type 0), unless the file says otherwise.
  if (c.model.architecture == "roberta" && !c.given.count("model.type_vocab_size"))
    c.model.type_vocab_size = 1;
  if (validate_config) validate(c);
  return c;
}

json config_to_json(const Config& cc) {
  Config& c = const_cast<Config&>(cc);
  json j = json::object();
  for_each_section(c, [&](const auto& sec, auto& s) {
    json& obj = *sec.name ? j[sec.name] : j;
    for (const auto& f : sec.fields) obj[f.key] = member_to_json(s, f);
  });
  return j;
}

std::string config_to_string(const Config& c) { return config_to_json(c).dump(2) + "\n"; }

std::vector<KeyDoc> config_keys() {
  std::vector<KeyDoc> out;
  Config c;
  for_each_section(c, [&](const auto& sec, auto& s) {
    for (const auto& f : sec.fields) {
      json v = member_to_json(s, f);
      std::string type = v.is_boolean()          ? "bool"
                         : v.is_number_integer() ? "int"
                         : v.is_number()         ? "float"
                         : v.is_string()         ? "string"
                                                 : "list";
      out.push_back({key_path(sec.name, f.key), type, v.dump(), f.doc});
    }
  });
  return out;
}

}  // namespace bertforge
