#include "data/packing.h"

#include <algorithm>
#include <numeric>
#include <string>

#include "errors/errors.h"

namespace bertforge {

std::vector<ExampleSpan> example_spans(const Batch& b) {
  std::vector<ExampleSpan> spans(static_cast<size_t>(b.batch_size));
  if (b.packed()) {
    for (size_t i = 0; i < spans.size(); ++i) spans[i].start = b.cls_positions[i];
    for (int32_t s : b.segment_ids)
      if (s >= 0) ++spans[static_cast<size_t>(s)].length;
    return spans;
  }
  const int64_t T = b.seq_len;
  for (int64_t i = 0; i < b.batch_size; ++i) {
    auto& sp = spans[static_cast<size_t>(i)];
    sp.start = i * T;
    const uint8_t* att = &b.attention_mask[static_cast<size_t>(sp.start)];
    while (sp.length < T && att[sp.length]) ++sp.length;
  }
  return spans;
}

std::vector<int64_t> first_fit_decreasing(const std::vector<int64_t>& lengths, int64_t row_len,
                                          int64_t* rows) {
  std::vector<size_t> order(lengths.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return lengths[a] > lengths[b]; });
  std::vector<int64_t> row_of(lengths.size(), -1), room;  // room left in each row
  for (size_t i : order) {
    if (lengths[i] > row_len)
      throw RuntimeError("packing: an example of " + std::to_string(lengths[i]) +
                         " tokens does not fit a row of " + std::to_string(row_len));
    size_t r = 0;
    while (r < room.size() && room[r] < lengths[i]) ++r;
    if (r == room.size()) room.push_back(row_len);
    room[r] -= lengths[i];
    row_of[i] = static_cast<int64_t>(r);
  }
  *rows = static_cast<int64_t>(room.size());
  return row_of;
}

namespace {

// Lengths of `spans`.
std::vector<int64_t> lengths_of(const std::vector<ExampleSpan>& spans) {
  std::vector<int64_t> n(spans.size());
  for (size_t i = 0; i < spans.size(); ++i) n[i] = spans[i].length;
  return n;
}

// The flat start of each example in the packed layout: rows filled in placement order (longest
// first, as first_fit_decreasing placed them).
std::vector<int64_t> packed_starts(const std::vector<int64_t>& lengths,
                                   const std::vector<int64_t>& row_of, int64_t rows,
                                   int64_t row_len) {
  std::vector<size_t> order(lengths.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return lengths[a] > lengths[b]; });
  std::vector<int64_t> used(static_cast<size_t>(rows), 0), start(lengths.size());
  for (size_t i : order) {
    const auto r = static_cast<size_t>(row_of[i]);
    start[i] = row_of[i] * row_len + used[r];
    used[r] += lengths[i];
  }
  return start;
}

}  // namespace

Batch pack_batch(const Batch& b, int64_t row_len, int32_t pad_id) {
  if (b.packed()) throw RuntimeError("packing: the batch is already packed");
  const std::vector<ExampleSpan> spans = example_spans(b);
  const std::vector<int64_t> lengths = lengths_of(spans);
  int64_t rows = 0;
  const std::vector<int64_t> row_of = first_fit_decreasing(lengths, row_len, &rows);
  const std::vector<int64_t> start = packed_starts(lengths, row_of, rows, row_len);
  Batch p;
  p.batch_size = b.batch_size, p.seq_len = row_len, p.num_rows = rows;
  p.nsp_labels = b.nsp_labels, p.example_ids = b.example_ids;
  p.num_real_tokens = b.num_real_tokens, p.num_masked = b.num_masked;
  const auto total = static_cast<size_t>(rows * row_len);
  p.input_ids.assign(total, pad_id);
  p.token_type_ids.assign(total, 0);
  p.attention_mask.assign(total, 0);
  p.mlm_labels.assign(total, kIgnoreLabel);
  p.position_ids.assign(total, 0);
  p.segment_ids.assign(total, -1);
  p.cls_positions = start;
  for (size_t i = 0; i < spans.size(); ++i) {
    const auto from = static_cast<size_t>(spans[i].start), to = static_cast<size_t>(start[i]);
    const auto n = static_cast<size_t>(lengths[i]);
    std::copy_n(&b.input_ids[from], n, &p.input_ids[to]);
    std::copy_n(&b.token_type_ids[from], n, &p.token_type_ids[to]);
    std::copy_n(&b.attention_mask[from], n, &p.attention_mask[to]);
    std::copy_n(&b.mlm_labels[from], n, &p.mlm_labels[to]);
    std::iota(&p.position_ids[to], &p.position_ids[to] + n, 0);
    std::fill_n(&p.segment_ids[to], n, static_cast<int32_t>(i));
  }
  return p;
}

int64_t best_row_len(const Batch& b, int64_t max_seq_len) {
  const std::vector<int64_t> lengths = lengths_of(example_spans(b));
  const int64_t longest = lengths.empty() ? 1 : *std::max_element(lengths.begin(), lengths.end());
  int64_t rows_short = 0, rows_long = 0;
  first_fit_decreasing(lengths, longest, &rows_short);
  first_fit_decreasing(lengths, max_seq_len, &rows_long);
  return rows_long * max_seq_len < rows_short * longest ? max_seq_len : longest;
}

}  // namespace bertforge
