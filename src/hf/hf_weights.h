// The weights of a HuggingFace model directory, read into a bertforge model.
//
// Files: model.safetensors, or shards listed in model.safetensors.index.json ("weight_map");
// tensors in F32, F16 or BF16 (converted to fp32). pytorch_model.bin is refused: it is a pickle,
// and loading a pickle runs code.
//
// Names are mapped to bertforge's (which are HF's BertForPreTraining / ModernBertForMaskedLM
// names): a model saved without its head class has no "bert." ("model." for ModernBERT) prefix;
// old TensorFlow-converted checkpoints name LayerNorm parameters gamma/beta; the MLM bias may be
// stored as cls.predictions.decoder.bias; the tied decoder weight may be stored or not (ignored:
// bertforge ties it to the word embeddings, and warns when a stored one differs). Parameters the
// directory lacks (BertForMaskedLM has no pooler and NSP head, BertModel no MLM head) keep the
// model's fresh initialisation and are reported.
#pragma once

#include <string>
#include <vector>

#include "model/model.h"

namespace bertforge {

struct HfWeightsReport {
  std::vector<std::string> initialised;  // module prefixes the directory did not have
  std::vector<std::string> unused;       // tensors of the directory that were not used
  bool has_nsp_head = false;             // pooler and seq_relationship were both loaded
};

// True when `dir` has a config.json and weights (safetensors, sharded or not, or a pickle that
// load_hf_weights refuses).
bool has_hf_weights(const std::string& dir);

// Copies the directory's weights into `model` (whose fresh initialisation stays where the
// directory has nothing). Throws InputError naming the file for a pickle, a malformed index or
// shard, a tensor of the wrong shape, or when no parameter at all matched.
HfWeightsReport load_hf_weights(const std::string& dir, PreTrainingModel& model);

}  // namespace bertforge
