#include "data/split_rows.h"

#include <algorithm>

namespace bertforge {

namespace {
template <class T>
std::vector<T> rows_of(const std::vector<T>& v, int64_t r0, int64_t r1, int64_t width) {
  if (v.empty()) return {};
  return std::vector<T>(v.begin() + r0 * width, v.begin() + r1 * width);
}

// Rows [r0, r1) of `b`: the token arrays, then the examples that start in them.
Batch rows(const Batch& b, int64_t r0, int64_t r1) {
  const int64_t T = b.seq_len;
  Batch p;
  p.seq_len = T;
  p.input_ids = rows_of(b.input_ids, r0, r1, T);
  p.token_type_ids = rows_of(b.token_type_ids, r0, r1, T);
  p.attention_mask = rows_of(b.attention_mask, r0, r1, T);
  p.mlm_labels = rows_of(b.mlm_labels, r0, r1, T);
  p.position_ids = rows_of(b.position_ids, r0, r1, T);
  p.segment_ids = rows_of(b.segment_ids, r0, r1, T);
  std::vector<int64_t> examples;  // of `b`, in order
  for (int64_t e = 0; e < b.batch_size; ++e) {
    const int64_t row = b.packed() ? b.cls_positions[e] / T : e;
    if (row >= r0 && row < r1) examples.push_back(e);
  }
  std::vector<int32_t> renumber(static_cast<size_t>(b.batch_size), -1);
  for (size_t k = 0; k < examples.size(); ++k) {
    const int64_t e = examples[k];
    renumber[e] = static_cast<int32_t>(k);
    if (!b.nsp_labels.empty()) p.nsp_labels.push_back(b.nsp_labels[e]);
    if (!b.example_ids.empty()) p.example_ids.push_back(b.example_ids[e]);
    if (b.packed()) p.cls_positions.push_back(b.cls_positions[e] - r0 * T);
  }
  for (auto& s : p.segment_ids)
    if (s >= 0) s = renumber[s];
  p.batch_size = static_cast<int64_t>(examples.size());
  p.num_rows = b.packed() ? r1 - r0 : 0;
  p.num_real_tokens = std::count(p.attention_mask.begin(), p.attention_mask.end(), uint8_t(1));
  p.num_masked = static_cast<int64_t>(p.mlm_labels.size()) -
                 std::count(p.mlm_labels.begin(), p.mlm_labels.end(), kIgnoreLabel);
  return p;
}
}  // namespace

std::vector<Batch> split_rows(const Batch& batch, int parts) {
  const int64_t R = batch.rows(), n = std::max<int64_t>(1, std::min<int64_t>(parts, R));
  std::vector<Batch> out;
  for (int64_t k = 0; k < n; ++k) out.push_back(rows(batch, k * R / n, (k + 1) * R / n));
  return out;
}

}  // namespace bertforge
