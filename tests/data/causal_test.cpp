// The causal-LM view of a batch (data/causal.h), against hand-written expectations.
#include "data/causal.h"

#include <gtest/gtest.h>

namespace bertforge {
namespace {

constexpr int32_t X = kIgnoreLabel;

// Two unpacked rows of T = 5: [CLS] 7 [MASK]->9 [SEP] [PAD] and [CLS] 5 6 8 [SEP].
Batch unpacked() {
  Batch b;
  b.batch_size = 2, b.seq_len = 5;
  b.input_ids = {2, 7, 4, 3, 0, 2, 5, 6, 11, 3};  // 11: a random replacement of 8
  b.token_type_ids.assign(10, 0);
  b.attention_mask = {1, 1, 1, 1, 0, 1, 1, 1, 1, 1};
  b.mlm_labels = {X, X, 9, X, X, X, X, X, 8, X};
  b.nsp_labels = {X, X};
  b.num_masked = 2;
  return b;
}

TEST(Causal, UnpackedRestoresTokensAndShiftsLabels) {
  Batch b = unpacked();
  make_causal(&b);
  EXPECT_EQ(b.input_ids, (std::vector<int32_t>{2, 7, 9, 3, 0, 2, 5, 6, 8, 3}));
  EXPECT_EQ(b.mlm_labels, (std::vector<int32_t>{7, 9, 3, X, X, 5, 6, 8, 3, X}));
  EXPECT_EQ(b.num_masked, 7);
}

TEST(Causal, NspLabelsDropped) {
  Batch b = unpacked();
  b.nsp_labels = {kIsNext, kNotNext};
  make_causal(&b);
  EXPECT_EQ(b.nsp_labels, (std::vector<int32_t>{X, X}));
}

// One packed row of T = 8 holding [CLS] 5 [SEP] | [CLS] 6 7 [SEP] | [PAD]: no target crosses from
// the first example into the second.
TEST(Causal, PackedStopsAtExampleBoundaries) {
  Batch b;
  b.batch_size = 2, b.seq_len = 8, b.num_rows = 1;
  b.input_ids = {2, 5, 3, 2, 6, 4, 3, 0};
  b.token_type_ids.assign(8, 0);
  b.attention_mask = {1, 1, 1, 1, 1, 1, 1, 0};
  b.mlm_labels = {X, X, X, X, X, 7, X, X};
  b.segment_ids = {0, 0, 0, 1, 1, 1, 1, -1};
  b.position_ids = {0, 1, 2, 0, 1, 2, 3, 0};
  b.cls_positions = {0, 3};
  b.nsp_labels = {X, X};
  make_causal(&b);
  EXPECT_EQ(b.input_ids, (std::vector<int32_t>{2, 5, 3, 2, 6, 7, 3, 0}));
  EXPECT_EQ(b.mlm_labels, (std::vector<int32_t>{5, 3, X, 6, 7, 3, X, X}));
  EXPECT_EQ(b.num_masked, 5);
}

}  // namespace
}  // namespace bertforge
