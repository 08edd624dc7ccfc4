// A training batch as plain arrays (row-major B x T), independent of torch.
#pragma once

#include <cstdint>
#include <vector>

namespace bertforge {

constexpr int32_t kIgnoreLabel = -100;  // label of positions the loss ignores
constexpr int32_t kIsNext = 0;          // NSP label: B really follows A
constexpr int32_t kNotNext = 1;         // NSP label: B comes from another document

struct Batch {
  int64_t batch_size = 0;               // B
  int64_t seq_len = 0;                  // T (longest example, or max_seq_len with data.pad_to_max)
  std::vector<int32_t> input_ids;       // (B, T) masked input; [PAD] = 0 after the example
  std::vector<int32_t> token_type_ids;  // (B, T) 0 for [CLS] A [SEP], 1 for B [SEP]; 0 on padding
  std::vector<uint8_t> attention_mask;  // (B, T) 1 on real tokens, 0 on padding
  std::vector<int32_t> mlm_labels;      // (B, T) original token at selected positions, else -100
  std::vector<int32_t> nsp_labels;      // (B) kIsNext / kNotNext; -100 when data.nsp is false
  std::vector<int64_t> example_ids;     // (B) index of each example in its epoch's plan
  int64_t num_real_tokens = 0;          // non-padding positions
  int64_t num_masked = 0;               // positions with a label
};

}  // namespace bertforge
