// Packing (data/packing.h): hand-computed first-fit-decreasing layouts, and the loader's packed
// batches hold exactly the examples, masks and labels of its unpacked ones.
#include "data/packing.h"

#include <gtest/gtest.h>

#include <vector>

#include "config/config.h"
#include "data/loader.h"
#include "data/synthetic_data.h"
#include "errors/errors.h"
#include "testutil.h"

namespace bertforge {
namespace {

// Four examples in rows of T = 5 (unpacked): lengths 3, 5, 2, 4; example i's tokens are
// 10 (i + 1) + p; one MLM label in example 0 (p 1) and one in example 3 (p 2).
Batch four_examples() {
  Batch b;
  b.batch_size = 4, b.seq_len = 5;
  b.input_ids = {10, 11, 12, 0, 0, 20, 21, 22, 23, 24, 30, 31, 0, 0, 0, 40, 41, 42, 43, 0};
  b.token_type_ids = {0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 0, 1, 0, 0, 0, 0, 0, 1, 1, 0};
  b.attention_mask = {1, 1, 1, 0, 0, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 1, 1, 1, 1, 0};
  b.mlm_labels.assign(20, kIgnoreLabel);
  b.mlm_labels[1] = 99, b.mlm_labels[17] = 77;
  b.nsp_labels = {kIsNext, kNotNext, kNotNext, kIsNext};
  b.example_ids = {7, 3, 9, 1};
  b.num_real_tokens = 14, b.num_masked = 2;
  return b;
}

TEST(Packing, FirstFitDecreasingByHand) {
  int64_t rows = 0;
  // Placed 1 (3), 3 (3), 0 (2), 2 (2): 1 -> row 0 (room 2), 3 -> row 1, 0 -> row 0, 2 -> row 1.
  EXPECT_EQ(first_fit_decreasing({2, 3, 2, 3}, 5, &rows), (std::vector<int64_t>{0, 0, 1, 1}));
  EXPECT_EQ(rows, 2);
  // 4 -> row 0 (room 2), 3 -> row 1 (room 3), 2 -> row 0 (room 0), 1 -> row 1 (room 2), 1 -> 1.
  EXPECT_EQ(first_fit_decreasing({1, 2, 3, 4, 1}, 6, &rows), (std::vector<int64_t>{1, 0, 1, 0, 1}));
  EXPECT_EQ(rows, 2);
  EXPECT_EQ(first_fit_decreasing({}, 4, &rows), std::vector<int64_t>{});
  EXPECT_EQ(rows, 0);
  EXPECT_THROW(first_fit_decreasing({3, 5}, 4, &rows), RuntimeError);
}

TEST(Packing, GoldenLayoutOfFourExamples) {
  // Rows of 8: 1 (5) -> row 0 at 0; 3 (4) -> row 1 at 8; 0 (3) -> row 0 at 5; 2 (2) -> row 1 at 12.
  const Batch p = pack_batch(four_examples(), 8, 0);
  ASSERT_TRUE(p.packed());
  EXPECT_EQ(p.batch_size, 4);
  EXPECT_EQ(p.rows(), 2);
  EXPECT_EQ(p.seq_len, 8);
  EXPECT_EQ(p.input_ids,
            (std::vector<int32_t>{20, 21, 22, 23, 24, 10, 11, 12, 40, 41, 42, 43, 30, 31, 0, 0}));
  EXPECT_EQ(p.token_type_ids,
            (std::vector<int32_t>{0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 1, 1, 0, 1, 0, 0}));
  EXPECT_EQ(p.attention_mask,
            (std::vector<uint8_t>{1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0}));
  EXPECT_EQ(p.position_ids, (std::vector<int32_t>{0, 1, 2, 3, 4, 0, 1, 2, 0, 1, 2, 3, 0, 1, 0, 0}));
  EXPECT_EQ(p.segment_ids,
            (std::vector<int32_t>{1, 1, 1, 1, 1, 0, 0, 0, 3, 3, 3, 3, 2, 2, -1, -1}));
  EXPECT_EQ(p.cls_positions, (std::vector<int64_t>{5, 0, 12, 8}));
  std::vector<int32_t> labels(16, kIgnoreLabel);
  labels[6] = 99, labels[10] = 77;  // example 0 p 1 at 5 + 1; example 3 p 2 at 8 + 2
  EXPECT_EQ(p.mlm_labels, labels);
  EXPECT_EQ(p.nsp_labels, (std::vector<int32_t>{kIsNext, kNotNext, kNotNext, kIsNext}));
  EXPECT_EQ(p.example_ids, (std::vector<int64_t>{7, 3, 9, 1}));
  EXPECT_EQ(p.num_real_tokens, 14);
  EXPECT_EQ(p.num_masked, 2);
  EXPECT_THROW(pack_batch(p, 8, 0), RuntimeError);                // already packed
  EXPECT_THROW(pack_batch(four_examples(), 4, 0), RuntimeError);  // example 1 has 5 tokens
}

TEST(Packing, ExampleSpansPackedAndUnpacked) {
  const Batch b = four_examples();
  auto spans = example_spans(b);
  ASSERT_EQ(spans.size(), 4u);
  const int64_t start[] = {0, 5, 10, 15}, packed_start[] = {5, 0, 12, 8}, length[] = {3, 5, 2, 4};
  for (size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(spans[i].start, start[i]);
    EXPECT_EQ(spans[i].length, length[i]);
  }
  spans = example_spans(pack_batch(b, 8, 0));
  for (size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(spans[i].start, packed_start[i]);
    EXPECT_EQ(spans[i].length, length[i]);
  }
}

TEST(Packing, BestRowLenPicksFewerPositions) {
  const Batch b = four_examples();    // longest 5: rows {5}, {4}, {3, 2} = 15 positions
  EXPECT_EQ(best_row_len(b, 8), 5);   // rows of 8: {5, 3}, {4, 2} = 16
  EXPECT_EQ(best_row_len(b, 7), 7);   // rows of 7: {5, 2}, {4, 3} = 14
  EXPECT_EQ(best_row_len(b, 10), 5);  // rows of 10: {5, 4}, {3, 2} = 20
  EXPECT_EQ(best_row_len(b, 5), 5);
}

// The loader with data.pack serves pack_batch of what it serves without it, batch for batch.
TEST(Packing, LoaderPacksTheSameExamples) {
  testing::TempDir dir;
  const Dataset data = testing::write_dataset(dir.path(), testing::synth_docs(600, 5));
  for (bool pad_to_max : {false, true}) {
    DataConfig plain;
    plain.max_seq_len = 64;
    plain.short_seq_prob = 0.5;
    plain.pad_to_max = pad_to_max;
    DataConfig packed = plain;
    packed.pack = true;
    MaskingConfig mcfg;
    LoaderOptions o;
    o.seed = 5, o.batch_size = 16, o.vocab_size = testing::kSynthVocab;
    Loader a(data, plain, mcfg, o), b(data, packed, mcfg, o);
    for (int k = 0; k < 5; ++k) {
      const Batch u = a.next(), p = b.next();
      const int64_t row_len = pad_to_max ? 64 : best_row_len(u, 64);
      const Batch expected = pack_batch(u, row_len, o.specials.pad);
      EXPECT_EQ(p.seq_len, row_len);
      EXPECT_EQ(p.rows(), expected.rows());
      EXPECT_LT(p.rows() * p.seq_len, u.rows() * u.seq_len) << "packing saves positions";
      EXPECT_EQ(p.input_ids, expected.input_ids);
      EXPECT_EQ(p.mlm_labels, expected.mlm_labels);
      EXPECT_EQ(p.segment_ids, expected.segment_ids);
      EXPECT_EQ(p.position_ids, expected.position_ids);
      EXPECT_EQ(p.cls_positions, expected.cls_positions);
      EXPECT_EQ(p.example_ids, u.example_ids);
      EXPECT_EQ(p.nsp_labels, u.nsp_labels);
      EXPECT_EQ(p.num_masked, u.num_masked);
      EXPECT_EQ(p.num_real_tokens, u.num_real_tokens);
    }
  }
}

}  // namespace
}  // namespace bertforge
