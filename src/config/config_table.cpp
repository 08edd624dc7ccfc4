#include "config/config_table.h"

namespace bertforge::config_table {

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
      {{"train_files",
        "Training corpus: files, globs or directories (every file under one, recursively, in "
        "sorted order; hidden ones skipped). gzip and zstd files are read as they are.",
        &T::train_files},
       {"valid_files", "Validation files, globs or directories; empty = split off valid_fraction.",
        &T::valid_files},
       {"sources",
        "Instead of train_files: named sources mixed by weight, a list of {\"name\", \"files\", "
        "\"weight\" (default 1), \"valid_files\" (optional)}; each epoch draws about weight / "
        "sum(weights) of its examples from each source (README: Corpus format).",
        &T::sources},
       {"valid_sets",
        "Named validation sets besides the unnamed split (e.g. the general text a domain "
        "continuation must not forget): {\"name\": files, ...} (in name order) or a list of "
        "{\"name\", \"files\"}; files, globs or directories as for valid_files. Each is "
        "prepared into data/valid_sets/<name>/ and scored at every evaluation (eval.jsonl rows "
        "with \"set\"). Names: 1-64 of A-Z a-z 0-9 _ -, not \"valid\".",
        &T::valid_sets},
       {"valid_fraction", "Share of documents held out when valid_files is empty.",
        &T::valid_fraction},
       {"format",
        "Corpus format: text (sentence per line) | jsonl | csv | tsv (RFC 4180, header row).",
        &T::format},
       {"text_field",
        "jsonl: the field holding a document's text (a dotted path reaches into nested objects: "
        "meta.body); csv/tsv: the column's name in the header.",
        &T::text_field},
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
        &T::architecture, true},
       {"preset", "tiny | mini | small | medium | base (sets layers/hidden/heads/intermediate).",
        &T::preset},
       {"layers", "Transformer layers (default from preset).", &T::layers, true},
       {"hidden", "Hidden size (default from preset).", &T::hidden, true},
       {"heads", "Attention heads (default from preset).", &T::heads, true},
       {"intermediate", "Feed-forward size (default from preset: 4 x hidden).", &T::intermediate,
        true},
       {"max_position", "Position embeddings (>= data.max_seq_len).", &T::max_position, true},
       {"dropout", "Hidden dropout.", &T::dropout},
       {"attention_dropout", "Dropout on attention probabilities.", &T::attention_dropout},
       {"type_vocab_size", "Segment (token type) embeddings (roberta: 1 unless set).",
        &T::type_vocab_size, true},
       {"layer_norm_eps", "LayerNorm epsilon.", &T::layer_norm_eps, true},
       {"initializer_range", "Std of the normal weight init.", &T::initializer_range},
       {"global_attn_every_n_layers",
        "modernbert: layers 0, n, 2n, ... attend globally, the others locally.",
        &T::global_attn_every_n_layers, true},
       {"local_attention", "modernbert: a local layer's window (|i - j| <= local_attention / 2).",
        &T::local_attention, true},
       {"global_rope_theta", "modernbert: rotary base of the global layers.", &T::global_rope_theta,
        true},
       {"local_rope_theta", "modernbert: rotary base of the local layers.", &T::local_rope_theta,
        true}}};
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
       {"eval_set",
        "The validation set best/ and early stopping follow: a data.valid_sets name, or \"valid\" "
        "(the unnamed split); \"\" = the unnamed split if there is one, else the first set.",
        &T::eval_set},
       {"guard_set",
        "Over-specialisation guard: the validation set (a data.valid_sets name or \"valid\") "
        "whose loss must not rise by more than guard_max_rise above its value at the start of "
        "the run (an evaluation before the first step; kept in checkpoints).",
        &T::guard_set},
       {"guard_max_rise",
        "Stop the run (saving final/, as early stopping does) once guard_set's loss is more than "
        "this fraction above its start value (0.05 = 5%); 0 = off.",
        &T::guard_max_rise},
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

}  // namespace bertforge::config_table
