// Packing (data.pack): a batch's examples laid out in as few rows as fit, several to a row, with
// nothing else changed: the same examples, tokens, masks and labels, so a packed step is the same
// learning step as the unpacked one (to float rounding). The model keeps examples apart with the
// batch's segment_ids (block-diagonal attention), restarts positions per example (position_ids)
// and reads each example's NSP label at its own [CLS] (cls_positions).
#pragma once

#include <cstdint>
#include <vector>

#include "data/batch.h"

namespace bertforge {

// Where one example of a batch lies: the flat index (into rows() x seq_len) of its first token
// ([CLS]) and its number of tokens.
struct ExampleSpan {
  int64_t start = 0;
  int64_t length = 0;
};

// The spans of `b`'s examples in example order (0..B-1), packed or not.
std::vector<ExampleSpan> example_spans(const Batch& b);

// First-fit-decreasing: the row of each of `lengths` (in their order) when they are placed
// longest first (ties: lower index first), each into the first row that still has room for it in
// `row_len` tokens, else into a new row. `*rows` receives the number of rows. Throws RuntimeError
// when a length exceeds row_len.
std::vector<int64_t> first_fit_decreasing(const std::vector<int64_t>& lengths, int64_t row_len,
                                          int64_t* rows);

// `b` (unpacked) in rows of `row_len` tokens (>= its longest example): examples placed by
// first_fit_decreasing, within a row in the order they were placed, padding (`pad_id`, type 0) at
// the row's end.
// batch_size, nsp_labels, example_ids, num_real_tokens and num_masked are unchanged; input_ids,
// token_type_ids, attention_mask and mlm_labels move with their tokens; position_ids,
// segment_ids and cls_positions are filled; seq_len = row_len, num_rows = rows used. Throws
// RuntimeError when `b` is already packed or an example is longer than row_len.
Batch pack_batch(const Batch& b, int64_t row_len, int32_t pad_id);

// The row length for packing `b` (unpacked): of its longest example's length and max_seq_len,
// the one whose first-fit-decreasing layout has fewer positions (rows x length); the shorter on a
// tie (less attention work).
int64_t best_row_len(const Batch& b, int64_t max_seq_len);

}  // namespace bertforge
