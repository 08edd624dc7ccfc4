#include "data/causal.h"

#include <cstddef>

namespace bertforge {

void make_causal(Batch* b) {
  const size_t n = b->input_ids.size();
  for (size_t i = 0; i < n; ++i)
    if (b->mlm_labels[i] != kIgnoreLabel) b->input_ids[i] = b->mlm_labels[i];
  const int64_t T = b->seq_len;
  int64_t targets = 0;
  for (size_t i = 0; i < n; ++i) {
    const bool row_end = static_cast<int64_t>(i % static_cast<size_t>(T)) == T - 1;
    bool next_in_example = false;
    if (!row_end && b->attention_mask[i] && b->attention_mask[i + 1])
      next_in_example = !b->packed() || b->segment_ids[i] == b->segment_ids[i + 1];
    b->mlm_labels[i] = next_in_example ? b->input_ids[i + 1] : kIgnoreLabel;
    targets += next_in_example ? 1 : 0;
  }
  for (auto& l : b->nsp_labels) l = kIgnoreLabel;
  b->num_masked = targets;
}

}  // namespace bertforge
