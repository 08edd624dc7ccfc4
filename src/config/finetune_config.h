// The `finetune` config section: what `bertforge finetune` reads beside run_dir, seed and the
// train.threads/device/precision keys. Each key's doc is in config_finetune.cpp's table. The
// defaults are the published GLUE recipes' (BERT, RoBERTa): AdamW with beta2 0.98 and eps 1e-6,
// linear decay after 6% warmup, lr 5e-5, 3 epochs, batch 32, the best epoch on the validation set.
#pragma once

#include <cstdint>
#include <string>

namespace bertforge {

struct FinetuneConfig {
  // Keys documented in config_finetune.cpp's table: `bertforge config --docs` / README.
  std::string task = "classification";
  std::string train_file = "";
  std::string valid_file = "";
  std::string format = "jsonl";
  std::string text_field = "text";
  std::string text_pair_field = "";
  std::string label_field = "label";
  std::string tokens_field = "tokens";
  std::string tags_field = "tags";
  std::string init_from = "";
  int epochs = 3;
  double lr = 5e-5;
  int batch_size = 32;
  int max_seq_len = 128;
  std::string pooling = "auto";
  double dropout = 0.1;
  double warmup_ratio = 0.06;
  double weight_decay = 0.01;
  double beta1 = 0.9;
  double beta2 = 0.98;
  double eps = 1e-6;
  double clip_norm = 1.0;
  std::string subword_labels = "first";
  std::string metric = "auto";
  int64_t log_every = 10;
  int64_t eval_batch_size = 64;
};

}  // namespace bertforge
