// A training batch as plain arrays (row-major R x T), independent of torch.
#pragma once

#include <cstdint>
#include <vector>

namespace bertforge {

constexpr int32_t kIgnoreLabel = -100;  // label of positions the loss ignores
constexpr int32_t kIsNext = 0;          // NSP label: B really follows A
constexpr int32_t kNotNext = 1;         // NSP label: B comes from another document

// Unpacked (the default): one example per row, R == B, the example at the row's start.
// Packed (data.pack, data/packing.h): several examples share a row; position_ids, segment_ids and
// cls_positions say where each example lies, and the model attends only within an example.
struct Batch {
  int64_t batch_size = 0;               // B: examples in the batch
  int64_t seq_len = 0;                  // T (longest example, or max_seq_len with data.pad_to_max)
  int64_t num_rows = 0;                 // R when packed (see rows()); unused when unpacked
  std::vector<int32_t> input_ids;       // (R, T) masked input; [PAD] = 0 after the example
  std::vector<int32_t> token_type_ids;  // (R, T) 0 for [CLS] A [SEP], 1 for B [SEP]; 0 on padding
  std::vector<uint8_t> attention_mask;  // (R, T) 1 on real tokens, 0 on padding
  std::vector<int32_t> mlm_labels;      // (R, T) original token at selected positions, else -100
  std::vector<int32_t> nsp_labels;      // (B) kIsNext / kNotNext; -100 when data.nsp is false
  std::vector<int64_t> example_ids;     // (B) index of each example in its epoch's plan
  int64_t num_real_tokens = 0;          // non-padding positions
  int64_t num_masked = 0;               // positions with a label
  std::vector<int64_t> source_tokens;   // real tokens per named source (data.sources); else empty
  // Packed only (empty when unpacked):
  std::vector<int32_t> position_ids;   // (R, T) position within its example (0 at its [CLS]); 0 on
                                       // padding
  std::vector<int32_t> segment_ids;    // (R, T) which example (0..B-1) a token belongs to; -1 on
                                       // padding
  std::vector<int64_t> cls_positions;  // (B) flat index into R*T of each example's first token

  bool packed() const { return !segment_ids.empty(); }
  int64_t rows() const { return packed() ? num_rows : batch_size; }  // R
};

}  // namespace bertforge
