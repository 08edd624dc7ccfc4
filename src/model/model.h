// The encoder interface every architecture implements (model.architecture: bert | roberta |
// modernbert); each builds from a ModelShape (model/shape.h).
#pragma once

#include <torch/torch.h>

#include <memory>
#include <string>
#include <vector>

#include "model/shape.h"

namespace bertforge {

// How a batch's tokens attend, beyond hiding padding: where the examples of a packed batch
// (data.pack, data/packing.h) lie in its (R, T) rows (all tensors undefined for an unpacked batch:
// one example per row from position 0, [CLS] at each row's start), and whether attention is causal
// (train.objective clm, data/causal.h: a token sees itself and the earlier tokens of its example).
struct PackedLayout {
  torch::Tensor position_ids;   // (R, T) int64: position within its example
  torch::Tensor segment_ids;    // (R, T) int64: the example a token belongs to, -1 on padding
  torch::Tensor cls_positions;  // (B) int64: flat index into R*T of each example's [CLS]
  bool causal = false;          // keys after the query are hidden (packed or not)
  bool defined() const { return segment_ids.defined(); }  // packed
  // The additive attention bias (R, 1, T, T) in `dtype` of a packed batch: 0 where query and key
  // are tokens of the same example, `masked_value` elsewhere (padding keys included); `window` > 0
  // also hides |i - j| > window / 2 (ModernBERT's local layers); `causal` hides keys j > i.
  torch::Tensor attention_bias(torch::ScalarType dtype, double masked_value,
                               int64_t window = 0) const;
};

// The rows of `sequence` (R, T, H) at the flat indices `positions` (M) into R*T, as (M', H): M'
// is M rounded up to a multiple of kHeadRowBucket, the extra rows copies of the first. The
// prediction head then sees few distinct shapes: oneDNN builds a kernel for each new one (time
// each time, and Debian's oneDNN has been seen to fail building a bf16 kernel while two
// threads of the batch split built theirs). Slice the head's output back with head_rows().
constexpr int64_t kHeadRowBucket = 64;
torch::Tensor gather_head_rows(const torch::Tensor& sequence, const torch::Tensor& positions);
// `logits` (M', V) of gather_head_rows' rows cut back to the M positions.
torch::Tensor head_rows(const torch::Tensor& logits, const torch::Tensor& positions);

// (T, T) bool on `device`: true where key j <= query i (causal attention).
torch::Tensor causal_keys(int64_t T, const torch::Device& device);

struct PreTrainingOutput {
  torch::Tensor mlm_logits;  // (M, V): only at the requested positions
  torch::Tensor
      nsp_logits;  // (B, 2) (B examples); undefined for an architecture without an NSP head
};

// An encoder with its pre-training heads. Parameter names are HuggingFace's for the architecture
// (BertForPreTraining, ModernBertForMaskedLM), so export and import are copies by name.
struct PreTrainingModel : torch::nn::Module {
  explicit PreTrainingModel(const ModelShape& s) : shape_(s) {}
  // ids, types, attention_mask: (B, T) int64; positions: (M) int64 flat indices into B*T where the
  // MLM decoder runs (the masked positions): the vocabulary projection is the biggest matmul.
  // `packed`: the layout of a packed batch (nsp_logits then has one row per example, read at its
  // [CLS]); default: unpacked.
  virtual PreTrainingOutput forward(const torch::Tensor& ids, const torch::Tensor& types,
                                    const torch::Tensor& attention_mask,
                                    const torch::Tensor& positions,
                                    const PackedLayout& packed = {}) = 0;
  // The architecture's initialisation, drawn from `gen`.
  virtual void init_weights(at::Generator gen) = 0;
  // Name prefix of the NSP head's parameters ("" when there is none).
  virtual std::string nsp_prefix() const { return ""; }
  // Names of the parameters with one row per vocabulary id (the word embeddings, the MLM bias).
  virtual std::vector<std::string> vocab_parameters() const = 0;
  const ModelShape& shape() const { return shape_; }

 protected:
  ModelShape shape_;
};

using ModelPtr = std::shared_ptr<PreTrainingModel>;

// A model of `shape.architecture` (weights uninitialised: call init_weights or load).
ModelPtr make_model(const ModelShape& shape);

}  // namespace bertforge
