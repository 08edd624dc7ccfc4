// Loads a model for use (evaluate, fill-mask, export, --init-from) from any of: a checkpoint
// directory, a final/ directory, a run directory (its newest complete checkpoint), or a directory
// written by `bertforge export` (HuggingFace config.json + model.safetensors + spiece.model).
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "common/config.h"
#include "model/model.h"

namespace bertforge {

struct Pretrained {
  ModelPtr model;               // on CPU, eval mode
  Config config;                // the config it was trained with (model section = its shape)
  std::string dir;              // the resolved directory
  std::string tokenizer_model;  // path of its SentencePiece model
  std::string tokenizer_checksum;
  int64_t step = 0;
  std::string weights_checksum;  // sha256 of the weights file
  bool has_nsp_head = true;      // false when the source had no NSP head
};

Pretrained load_pretrained(const std::string& path);

// The model of a HuggingFace directory (config.json + model.safetensors, parameters by HF name):
// BertForPreTraining or ModernBertForMaskedLM. Sets config->model from config.json (and the
// data keys the model constrains). On CPU, eval mode. Throws InputError naming the file.
ModelPtr load_hf_model(const std::string& dir, Config* config);

// True when `dir` holds a `bertforge export` (HF layout).
bool is_hf_export(const std::string& dir);

}  // namespace bertforge
