#include "data/context_counts.h"

#include <gtest/gtest.h>

#include "data/synthetic_data.h"
#include "errors/errors.h"
#include "testutil.h"

namespace bertforge {
namespace {

using testing::Docs;
using testing::TempDir;

// Two documents (B = the boundary symbol, id 1000):
//   doc 0: [10 11 12] [10 13]     doc 1: [11 12]
// Pairs: B-10 x2, 10-11, 11-12 x2, 12-B x2, 12-10, 10-13, 13-B, B-11.
// Unigrams: 10:2 11:2 12:2 13:1.
Docs hand_docs() { return {{{10, 11, 12}, {10, 13}}, {{11, 12}}}; }

TEST(ContextCounts, CountsPairsAndBoundariesByHand) {
  TempDir dir;
  Dataset data = testing::write_dataset(dir.path(), hand_docs(), 1);
  ContextCounts cc = ContextCounts::build(data);
  const int32_t B = cc.boundary();
  EXPECT_EQ(B, testing::kSynthVocab);
  EXPECT_EQ(cc.total_tokens(), 7u);
  EXPECT_EQ(cc.unigram(10), 2u);
  EXPECT_EQ(cc.unigram(13), 1u);
  EXPECT_EQ(cc.pair(B, 10), 2u);
  EXPECT_EQ(cc.pair(11, 12), 2u);
  EXPECT_EQ(cc.pair(12, B), 2u);
  EXPECT_EQ(cc.pair(12, 10), 1u);  // across sentences of one document
  EXPECT_EQ(cc.pair(12, 11), 0u);  // never across documents
  EXPECT_EQ(cc.num_pairs(), 8u);
}

TEST(ContextCounts, PredictorsFollowTheirDefinitions) {
  TempDir dir;
  Dataset data = testing::write_dataset(dir.path(), hand_docs(), 1);
  ContextCounts cc = ContextCounts::build(data);
  const int32_t B = cc.boundary(), U = ContextCounts::kUnknown;
  EXPECT_EQ(cc.predict_unigram(), 10);  // 10, 11, 12 tie at 2: the lowest id
  EXPECT_EQ(cc.predict_left(B), 10);    // B-10 x2 beats B-11 x1
  EXPECT_EQ(cc.predict_left(11), 12);
  EXPECT_EQ(cc.predict_left(12), 10);  // 12-B is not a prediction
  EXPECT_EQ(cc.predict_left(U), 10);   // unknown: unigram
  EXPECT_EQ(cc.predict_left(13), 10);  // 13 is only followed by B: unigram
  // prev 10: c=11 scores 1 * n(11,12)=2 / 2 = 1; c=13 scores 1 * n(13,B)=1 / 1 = 1 -> tie, 11.
  EXPECT_EQ(cc.predict_bidirectional(10, 12), 11);
  // next B: c=11 scores 1 * n(11,B)=0 -> 0; c=13 scores 1 * 1 / 1 = 1 -> 13.
  EXPECT_EQ(cc.predict_bidirectional(10, B), 13);
  // No c between B and 13: back off to left.
  EXPECT_EQ(cc.predict_bidirectional(B, 13), 10);
  EXPECT_EQ(cc.predict_bidirectional(10, U), cc.predict_left(10));
  EXPECT_EQ(cc.predict_bidirectional(U, 12), cc.predict_unigram());
}

TEST(ContextCounts, BoundedMemoryKeepsTheFrequentPairs) {
  TempDir dir;
  Docs docs = testing::synth_docs(200, 7);
  docs.push_back({std::vector<int>(500, 42)});  // 42-42 x499: the most frequent pair
  Dataset data = testing::write_dataset(dir.path(), docs, 2);
  ContextCounts exact = ContextCounts::build(data);
  ContextCounts small = ContextCounts::build(data, 2048);
  EXPECT_GT(exact.num_pairs(), 2048u);
  EXPECT_LE(small.num_pairs(), 2048u);
  EXPECT_EQ(small.pair(42, 42), exact.pair(42, 42));
  EXPECT_EQ(small.predict_left(42), 42);
  EXPECT_EQ(small.total_tokens(), exact.total_tokens());  // unigrams stay exact
}

TEST(ContextCounts, CacheRoundTripsAndRejectsDamage) {
  TempDir dir;
  Dataset data = testing::write_dataset(dir.path(), testing::synth_docs(30, 3), 1);
  ContextCounts cc = ContextCounts::build(data);
  const std::string path = dir.file("counts.bin");
  cc.write(path, std::string(64, 'f'));
  std::string fp;
  ContextCounts back = ContextCounts::read(path, &fp);
  EXPECT_EQ(fp, std::string(64, 'f'));
  EXPECT_EQ(back.num_pairs(), cc.num_pairs());
  EXPECT_EQ(back.total_tokens(), cc.total_tokens());
  for (int32_t p : {5, 17, 400, cc.boundary()})
    EXPECT_EQ(back.predict_bidirectional(p, 9), cc.predict_bidirectional(p, 9));
  std::string bytes = testing::read_text(path);
  testing::write_text(path, bytes.substr(0, bytes.size() - 3));
  EXPECT_THROW(ContextCounts::read(path, &fp), InputError);
  bytes[24] = '\x7f';  // num_pairs claims far more than the file holds
  testing::write_text(path, bytes);
  EXPECT_THROW(ContextCounts::read(path, &fp), InputError);
}

}  // namespace
}  // namespace bertforge
