// The model's shape: the model section of the config (ModelConfig, config/config.h: each field
// declared there once, each key documented once in the key table) plus the two numbers the
// tokenizer fixes. What every architecture builds from, what a checkpoint's state.json records,
// what a resumed or continued run must agree on and what the HF config.json map reads and writes.
// Torch-free.
#pragma once

#include <cstdint>
#include <string>

#include "config/config.h"

namespace bertforge {

struct ModelShape : ModelConfig {
  int64_t vocab_size = 0;
  // roberta: the tokenizer's [PAD] id (HF's padding_idx), positions start at pad_id + 1; 0 for the
  // other architectures.
  int64_t pad_id = 0;

  ModelShape() = default;
  // `m`'s shape with the tokenizer's vocabulary size and [PAD] id (kept for roberta only).
  ModelShape(const ModelConfig& m, int64_t vocab_size, int64_t pad_id = 0);
  // Rows of the position table before position 0: pad_id + 1 for roberta, else 0.
  int64_t position_offset() const { return architecture == "roberta" ? pad_id + 1 : 0; }
  bool has_nsp_head() const { return architecture == "bert"; }
  // "" when the shapes are equal, else the first difference ("hidden 256 vs 128"): the shape keys
  // (model_shape_keys(), config/config.h), vocab_size and pad_id.
  std::string difference(const ModelShape& other) const;
};

}  // namespace bertforge
