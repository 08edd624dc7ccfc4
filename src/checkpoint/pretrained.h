// Loads a model for use (evaluate, fill-mask, export, --init-from) from any of: a checkpoint
// directory, a final/ directory, a run directory (its newest complete checkpoint), a directory
// written by `bertforge export`, or a public HuggingFace BERT/ModernBERT directory (config.json,
// safetensors, and spiece.model or vocab.txt + tokenizer_config.json).
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "checkpoint/checkpoint.h"
#include "config/config.h"
#include "hf/hf_weights.h"
#include "model/model.h"

namespace bertforge {

struct Pretrained {
  ModelPtr model;               // on CPU, eval mode
  Config config;                // the config it was trained with (model section = its shape)
  std::string dir;              // the resolved directory
  std::string tokenizer_model;  // path of its tokenizer file (Tokenizer::load)
  std::string tokenizer_checksum;
  int64_t step = 0;
  std::string weights_checksum;  // sha256 of the weights file
  bool has_nsp_head = true;      // false when the source had no NSP head
};

Pretrained load_pretrained(const std::string& path);
// The model of a checkpoint already found and verified (find_checkpoint): its files are not hashed
// again.
Pretrained load_pretrained(const CheckpointInfo& checkpoint);
// The verified checkpoint load_pretrained(path) would load; nullopt when `path` is a HuggingFace
// directory or a tokenizer file.
std::optional<CheckpointInfo> pretrained_checkpoint(const std::string& path);
// The tokenizer file of what load_pretrained would load (without loading the model); a path that
// is a file (a vocab.txt, a SentencePiece .model) is a tokenizer file itself.
std::string pretrained_tokenizer_file(const std::string& path);

// The model of a HuggingFace directory (config.json + safetensors, train/hf_weights.h):
// BertForPreTraining, BertForMaskedLM, BertModel or ModernBertForMaskedLM. Sets config->model from
// config.json (and the data keys the model constrains); what the directory lacks starts from a
// fresh initialisation seeded by config->seed, and the log says which modules. On CPU, eval mode.
// Throws InputError naming the file.
ModelPtr load_hf_model(const std::string& dir, Config* config, HfWeightsReport* report = nullptr);

}  // namespace bertforge
