// Labelled examples as model inputs: [CLS] text [SEP] (text_pair [SEP]), a pair in the
// architecture's layout (tokenizer/pair_template.h; RoBERTa: <s> A </s></s> B </s>), truncated to
// max_seq_len (a pair longest-first, as HuggingFace's tokenizers), with the class id, the number,
// or per-token tag ids. Token classification encodes each word on its own; with subword_labels
// "first" a word's first piece carries its tag and the others are ignored (kIgnore), with "all"
// every piece carries it. Words cut off by truncation are not encoded. Shared by finetune and
// predict, so both tokenize and truncate alike. Torch-free.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "labelled/label_set.h"
#include "labelled/labelled_data.h"

namespace bertforge {

class Tokenizer;

constexpr int kIgnore = -100;  // a position without a label (HF's ignore_index)

struct EncodedExample {
  std::vector<int64_t> ids, types;
  int label = kIgnore;              // classification: class id (kIgnore when unlabelled)
  double value = 0;                 // regression
  std::vector<int64_t> tag_ids;     // token_classification: per position, a tag id or kIgnore
  std::vector<int> word_positions;  // token_classification: each kept word's first piece
  int words = 0;                    // token_classification: the example's words (kept or not)
};

struct EncodeOptions {
  std::string task = "classification";
  int max_seq_len = 128;
  bool all_subwords = false;          // subword_labels "all"
  bool labelled = true;               // false: predict (labels ignored)
  std::string architecture = "bert";  // the pair layout (tokenizer/pair_template.h)
};

EncodedExample encode_example(const Tokenizer& tok, const LabelledExample& ex,
                              const LabelSet& labels, const EncodeOptions& options);

}  // namespace bertforge
