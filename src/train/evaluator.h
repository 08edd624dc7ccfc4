// Evaluation: MLM loss, masked-token accuracy, perplexity and NSP accuracy on held-out data, with a
// fixed masking seed so that every evaluation sees the same masks.
#pragma once

#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

namespace c10 {
struct Device;
}

namespace bertforge {

struct Config;
class Dataset;
struct PreTrainingModel;
class Distributed;
class ContextCounts;
class Tokenizer;

// For a causal-LM evaluation (objective "clm", data/causal.h) the same fields hold the next-token
// scores: mlm_loss the CLM loss, mlm_accuracy = mask_accuracy the next-token accuracy at every
// target, baseline_left the most frequent next token after the current one (the bigram baseline);
// to_json names them clm_loss, next_token_accuracy, baseline_bigram.
struct EvalMetrics {
  std::string objective = "mlm";  // mlm | clm
  double mlm_loss = 0, mlm_accuracy = 0, perplexity = 0, nsp_accuracy = 0;
  // Accuracy of always predicting the most frequent masked token of this data (a floor to beat).
  double majority_accuracy = 0;
  // The same two at the selected positions whose input is [MASK] (80% of them): mlm_accuracy also
  // counts the 10% left unchanged, which a model gets right by copying its input, so a model that
  // ignores the context scores about 0.8 * majority + 0.1 there; here it scores the majority.
  double mask_accuracy = 0, mask_majority_accuracy = 0;
  int64_t mask_tokens = 0;  // selected positions whose input is [MASK]
  // What counts of the training shards reach at those same [MASK] positions
  // (data/context_counts.h): the most frequent token, the most frequent after the left neighbour,
  // and the best fit between both neighbours. A model that beats them uses its context.
  // has_baselines is false when no training shards were at hand (the JSON then holds null).
  bool has_baselines = false;
  double baseline_unigram = 0, baseline_left = 0, baseline_bidirectional = 0;
  int64_t examples = 0, masked_tokens = 0, batches = 0;
  int64_t nsp_pairs = 0;  // examples with an NSP label; 0 for MLM-only data (nsp_accuracy is n/a)
  int64_t step = 0;       // the training step of the evaluated weights
  nlohmann::json to_json() const;
};

// Evaluates `model` on `data` (validation loader: no shuffle, epoch 0, seed config.seed + 1).
// max_batches 0 = all. With `dist`, each rank evaluates its share and the sums are reduced.
// `tok` gives the word starts (whole_word masking) and the special ids. With `counts` (of the
// training shards) the three count baselines are scored at the same positions. `causal`: score
// next-token prediction with causal attention instead.
EvalMetrics evaluate_model(PreTrainingModel& model, const Dataset& data, const Config& config,
                           const Tokenizer& tok, const c10::Device& device, int64_t max_batches,
                           Distributed* dist = nullptr, const ContextCounts* counts = nullptr,
                           bool causal = false);
// One log line: the losses and accuracies, and whether the model beats each baseline.
std::string eval_summary(const EvalMetrics& m, bool nsp);

// `bertforge evaluate`: loads a checkpoint (any path find_checkpoint accepts) and evaluates it
// on `data`: a text/jsonl corpus file (encoded with the checkpoint's tokenizer into a temp dir), a
// prepared data directory or shard files; empty = the validation split of the checkpoint's run.
// The baselines count the train split of the checkpoint's run (or of the --data directory).
// `overrides` (--set) change how it is evaluated: masking.*, data.* (e.g. max_seq_len, nsp),
// seed, train.batch_size/threads/device/precision, train.objective (clm scores next-token
// prediction); the model and tokenizer are the checkpoint's. A model whose training ended with CLM
// (train.objective clm) is scored as a causal LM.
EvalMetrics evaluate_checkpoint(const std::string& checkpoint, const std::string& data,
                                int64_t max_batches,
                                const std::vector<std::string>& overrides = {});

}  // namespace bertforge
