// split_rows: the parts of a batch for the batch-parallel threads, checked against layouts
// written out by hand.
#include "data/split_rows.h"

#include <gtest/gtest.h>

namespace bertforge {
namespace {

constexpr int32_t X = kIgnoreLabel;

// Three unpacked examples of length <= 4 (ids 1..), one label each but the last.
Batch unpacked() {
  Batch b;
  b.batch_size = 3, b.seq_len = 4;
  b.input_ids = {2, 11, 3, 0, 2, 12, 13, 3, 2, 14, 3, 0};
  b.token_type_ids = {0, 0, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0};
  b.attention_mask = {1, 1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 0};
  b.mlm_labels = {X, 21, X, X, X, X, 23, X, X, X, X, X};
  b.nsp_labels = {0, 1, 0};
  b.example_ids = {7, 8, 9};
  b.num_real_tokens = 10, b.num_masked = 2;
  return b;
}

TEST(SplitRows, UnpackedRowsAreExamples) {
  auto parts = split_rows(unpacked(), 2);  // rows [0, 1) and [1, 3)
  ASSERT_EQ(parts.size(), 2u);
  EXPECT_EQ(parts[0].batch_size, 1);
  EXPECT_EQ(parts[0].input_ids, (std::vector<int32_t>{2, 11, 3, 0}));
  EXPECT_EQ(parts[0].nsp_labels, (std::vector<int32_t>{0}));
  EXPECT_EQ(parts[0].example_ids, (std::vector<int64_t>{7}));
  EXPECT_EQ(parts[0].num_real_tokens, 3);
  EXPECT_EQ(parts[0].num_masked, 1);
  EXPECT_EQ(parts[1].batch_size, 2);
  EXPECT_EQ(parts[1].mlm_labels, (std::vector<int32_t>{X, X, 23, X, X, X, X, X}));
  EXPECT_EQ(parts[1].nsp_labels, (std::vector<int32_t>{1, 0}));
  EXPECT_EQ(parts[1].num_real_tokens, 7);
  EXPECT_EQ(parts[1].num_masked, 1);
  EXPECT_FALSE(parts[1].packed());
}

TEST(SplitRows, NeverMorePartsThanRows) {
  EXPECT_EQ(split_rows(unpacked(), 8).size(), 3u);
  EXPECT_EQ(split_rows(unpacked(), 1).size(), 1u);
  EXPECT_EQ(split_rows(unpacked(), 1)[0].input_ids, unpacked().input_ids);
}

// Two packed rows of width 6: row 0 holds examples 0 (3 tokens) and 2 (2 tokens), row 1 holds
// example 1 (4 tokens).
Batch packed() {
  Batch b;
  b.batch_size = 3, b.seq_len = 6, b.num_rows = 2;
  b.input_ids = {2, 11, 3, 2, 14, 3, 2, 12, 13, 3, 0, 0};
  b.token_type_ids = {0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0, 0};
  b.attention_mask = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0};
  b.mlm_labels = {X, 21, X, X, 24, X, X, X, 23, X, X, X};
  b.position_ids = {0, 1, 2, 0, 1, 2, 0, 1, 2, 3, 0, 0};
  b.segment_ids = {0, 0, 0, 2, 2, 2, 1, 1, 1, 1, -1, -1};
  b.cls_positions = {0, 6, 3};
  b.nsp_labels = {0, 1, 1};
  b.example_ids = {7, 8, 9};
  b.num_real_tokens = 10, b.num_masked = 3;
  return b;
}

TEST(SplitRows, PackedRowsKeepTheirExamples) {
  auto parts = split_rows(packed(), 2);
  ASSERT_EQ(parts.size(), 2u);
  const Batch& a = parts[0];
  EXPECT_TRUE(a.packed());
  EXPECT_EQ(a.num_rows, 1);
  EXPECT_EQ(a.batch_size, 2);  // examples 0 and 2, renumbered 0 and 1
  EXPECT_EQ(a.segment_ids, (std::vector<int32_t>{0, 0, 0, 1, 1, 1}));
  EXPECT_EQ(a.cls_positions, (std::vector<int64_t>{0, 3}));
  EXPECT_EQ(a.nsp_labels, (std::vector<int32_t>{0, 1}));
  EXPECT_EQ(a.example_ids, (std::vector<int64_t>{7, 9}));
  EXPECT_EQ(a.num_masked, 2);
  const Batch& b = parts[1];
  EXPECT_EQ(b.batch_size, 1);  // example 1, now 0, its [CLS] at the start of its one row
  EXPECT_EQ(b.segment_ids, (std::vector<int32_t>{0, 0, 0, 0, -1, -1}));
  EXPECT_EQ(b.cls_positions, (std::vector<int64_t>{0}));
  EXPECT_EQ(b.position_ids, (std::vector<int32_t>{0, 1, 2, 3, 0, 0}));
  EXPECT_EQ(b.nsp_labels, (std::vector<int32_t>{1}));
  EXPECT_EQ(b.num_real_tokens, 4);
  EXPECT_EQ(b.num_masked, 1);
}

}  // namespace
}  // namespace bertforge
