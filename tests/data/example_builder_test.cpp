#include "data/example_builder.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "data/batch.h"
#include "data/synthetic_data.h"
#include "errors/errors.h"
#include "testutil.h"
#include "tokenizer/tokenizer.h"

namespace bertforge {
namespace {

using testing::Docs;

// The tokens a segment spec names, computed from the documents directly.
std::vector<int32_t> segment_tokens(const Docs& docs, const SegmentSpec& s) {
  std::vector<int32_t> all;
  for (uint32_t j = s.first; j < s.last; ++j)
    all.insert(all.end(), docs[s.doc][j].begin(), docs[s.doc][j].end());
  EXPECT_LE(s.skip + s.len, all.size());
  return std::vector<int32_t>(all.begin() + s.skip, all.begin() + s.skip + s.len);
}

DataConfig nsp_config(int max_seq_len = 128) {
  DataConfig c;
  c.max_seq_len = max_seq_len;
  return c;
}

TEST(ExampleBuilder, NspPairsAreBalancedAndNotNextComesFromAnotherDocument) {
  testing::TempDir dir;
  const Docs docs = testing::synth_docs(6000, 11);
  const Dataset data = testing::write_dataset(dir.path(), docs);
  ExampleBuilder builder(data, nsp_config(), 42);
  const auto plan = builder.plan(0);
  ASSERT_GT(plan.size(), 10000u);
  int64_t is_next = 0, not_next = 0;
  std::vector<int32_t> ids(128), types(128);
  for (const auto& ex : plan) {
    ASSERT_FALSE(ex.packed);
    ASSERT_GE(ex.a.len, 1u);
    ASSERT_GE(ex.b.len, 1u);
    ASSERT_LE(ex.a.len + ex.b.len, 125u);
    if (ex.nsp_label == kNotNext) {
      ++not_next;
      ASSERT_NE(ex.b.doc, ex.a.doc) << "NotNext segment from the same document";
    } else {
      ASSERT_EQ(ex.nsp_label, kIsNext);
      ++is_next;
      ASSERT_EQ(ex.b.doc, ex.a.doc);
      // B follows A: the next sentences, or the rest of A's single sentence.
      const bool next_sentences = ex.b.first == ex.a.last;
      const bool rest_of_sentence = ex.b.first == ex.a.first && ex.a.last == ex.a.first + 1 &&
                                    ex.b.skip >= ex.a.skip + ex.a.len;
      ASSERT_TRUE(next_sentences || rest_of_sentence);
    }
    // Materialised: [CLS] A [SEP] B [SEP] with token types 0 / 1.
    const int n = builder.materialize(ex, ids.data(), types.data());
    const auto a = segment_tokens(docs, ex.a), b = segment_tokens(docs, ex.b);
    ASSERT_EQ(n, static_cast<int>(a.size() + b.size() + 3));
    std::vector<int32_t> expect = {kClsId};
    expect.insert(expect.end(), a.begin(), a.end());
    expect.push_back(kSepId);
    expect.insert(expect.end(), b.begin(), b.end());
    expect.push_back(kSepId);
    ASSERT_EQ(std::vector<int32_t>(ids.begin(), ids.begin() + n), expect);
    for (int p = 0; p < n; ++p) ASSERT_EQ(types[p], p < int(a.size()) + 2 ? 0 : 1) << p;
  }
  const double rate = double(is_next) / (is_next + not_next);
  EXPECT_NEAR(rate, 0.5, 0.02);
}

TEST(ExampleBuilder, EverySentenceIsUsedOnceAsAOrAsIsNextB) {
  testing::TempDir dir;
  const Docs docs = testing::synth_docs(800, 12);
  const Dataset data = testing::write_dataset(dir.path(), docs);
  ExampleBuilder builder(data, nsp_config(64), 5);
  std::vector<std::vector<int>> uses(docs.size());
  for (size_t d = 0; d < docs.size(); ++d) uses[d].assign(docs[d].size(), 0);
  for (const auto& ex : builder.plan(3)) {
    for (uint32_t j = ex.a.first; j < ex.a.last; ++j) ++uses[ex.a.doc][j];
    // A sentence split into A and B counts once.
    if (ex.nsp_label == kIsNext && ex.b.first != ex.a.first)
      for (uint32_t j = ex.b.first; j < ex.b.last; ++j) ++uses[ex.b.doc][j];
  }
  for (size_t d = 0; d < docs.size(); ++d)
    for (size_t j = 0; j < docs[d].size(); ++j)
      ASSERT_EQ(uses[d][j], 1) << "document " << d << " sentence " << j;
}

TEST(ExampleBuilder, LongPairsAreTrimmedFromBothEnds) {
  testing::TempDir dir;
  const Docs docs = testing::synth_docs(500, 13, 2, 8, 20, 60);
  const Dataset data = testing::write_dataset(dir.path(), docs);
  DataConfig c = nsp_config(32);
  c.short_seq_prob = 0;
  ExampleBuilder builder(data, c, 1);
  int front = 0, back = 0;
  for (const auto& ex : builder.plan(0)) {
    ASSERT_LE(ex.a.len + ex.b.len, 29u);
    for (const SegmentSpec* s : {&ex.a, &ex.b}) {
      uint32_t total = 0;
      for (uint32_t j = s->first; j < s->last; ++j) total += docs[s->doc][j].size();
      if (ex.nsp_label == kIsNext && ex.b.first == ex.a.first) continue;  // split sentence
      front += s->skip > 0;
      back += s->skip + s->len < total;
    }
  }
  EXPECT_GT(front, 50);
  EXPECT_GT(back, 50);
}

TEST(ExampleBuilder, ShortSequenceProbabilityMakesShorterExamples) {
  testing::TempDir dir;
  const Docs docs = testing::synth_docs(1000, 14, 6, 12, 10, 20);
  const Dataset data = testing::write_dataset(dir.path(), docs);
  // Share of IsNext examples that reach near the full length (a target drawn from [2, 125] for a
  // short example is below 100 with probability 98/124).
  auto long_share = [&](double p) {
    DataConfig c = nsp_config(128);
    c.short_seq_prob = p;
    int64_t long_ones = 0, all = 0;
    for (const auto& ex : ExampleBuilder(data, c, 2).plan(0)) {
      if (ex.nsp_label != kIsNext) continue;
      long_ones += ex.a.len + ex.b.len >= 100;
      ++all;
    }
    return double(long_ones) / all;
  };
  const double full = long_share(0.0), half = long_share(0.5);
  EXPECT_GT(full, 0.35);
  EXPECT_LT(half, 0.75 * full) << full << " " << half;
}

TEST(ExampleBuilder, PlanIsAPureFunctionOfSeedAndEpoch) {
  testing::TempDir dir;
  const Docs docs = testing::synth_docs(300, 15);
  const Dataset data = testing::write_dataset(dir.path(), docs);
  ExampleBuilder b1(data, nsp_config(), 42), b2(data, nsp_config(), 42), b3(data, nsp_config(), 43);
  auto key = [](const std::vector<ExampleSpec>& plan) {
    std::vector<uint32_t> k;
    for (const auto& e : plan)
      for (uint32_t v : {e.a.doc, e.a.first, e.a.last, e.a.skip, e.a.len, e.b.doc, e.b.first,
                         e.b.last, e.b.skip, e.b.len, uint32_t(e.nsp_label)})
        k.push_back(v);
    return k;
  };
  EXPECT_EQ(key(b1.plan(1)), key(b2.plan(1)));
  EXPECT_NE(key(b1.plan(1)), key(b1.plan(2)));
  EXPECT_NE(key(b1.plan(1)), key(b3.plan(1)));
}

TEST(ExampleBuilder, ASingleDocumentMakesOnlyIsNextPairs) {
  testing::TempDir dir;
  const Docs docs = testing::synth_docs(1, 16, 40, 40);
  const Dataset data = testing::write_dataset(dir.path(), docs, 1);
  const auto plan = ExampleBuilder(data, nsp_config(), 1).plan(0);
  ASSERT_GE(plan.size(), 4u);
  for (const auto& ex : plan) {
    EXPECT_EQ(ex.nsp_label, kIsNext);
    EXPECT_GE(ex.b.len, 1u);
  }
}

// Packed rows, concatenated, are the documents joined by the layout's boundary; each row is
// [CLS] ... [SEP], token types 0, and packing is greedy.
void check_packed_stream(const std::string& architecture) {
  testing::TempDir dir;
  const Docs docs = testing::synth_docs(400, 17, 1, 6, 3, 30);
  const Dataset data = testing::write_dataset(dir.path(), docs);
  DataConfig c = nsp_config(64);
  c.nsp = false;
  const PairTemplate layout = PairTemplate::of(architecture, SpecialIds{});
  ExampleBuilder builder(data, c, 3, layout);
  const auto plan = builder.plan(0);
  const std::vector<int32_t> boundary(layout.separators, kSepId);
  std::vector<int32_t> stream;
  for (size_t d = 0; d < docs.size(); ++d) {
    if (d > 0) stream.insert(stream.end(), boundary.begin(), boundary.end());
    for (const auto& s : docs[d]) stream.insert(stream.end(), s.begin(), s.end());
  }
  std::vector<int32_t> joined, ids(64), types(64);
  int crossing = 0;
  for (size_t k = 0; k < plan.size(); ++k) {
    const auto& ex = plan[k];
    ASSERT_TRUE(ex.packed);
    ASSERT_EQ(ex.nsp_label, kIgnoreLabel);
    const int n = builder.materialize(ex, ids.data(), types.data());
    ASSERT_LE(n, 64);
    ASSERT_EQ(ids[0], kClsId);
    ASSERT_EQ(ids[n - 1], kSepId);
    for (int p = 0; p < n; ++p) ASSERT_EQ(types[p], 0);
    crossing += ex.b.doc != ex.a.doc;
    // Consecutive examples continue the stream; one that starts a document follows a boundary.
    if (k > 0 && ex.a.first == 0) joined.insert(joined.end(), boundary.begin(), boundary.end());
    joined.insert(joined.end(), ids.begin() + 1, ids.begin() + n - 1);
    // Packing is greedy: the next sentence would not have fitted.
    if (k + 1 < plan.size()) {
      const auto& next = plan[k + 1];
      const int extra =
          int(docs[next.a.doc][next.a.first].size()) + (next.a.first == 0 ? layout.separators : 0);
      ASSERT_GT(n + extra, 64);
    }
  }
  EXPECT_EQ(joined, stream);
  EXPECT_GT(crossing, 50);
}

TEST(ExampleBuilder, PackedModeCrossesDocumentsWithSep) { check_packed_stream("bert"); }

// RoBERTa: </s></s> between documents (fairseq's extra separator), as its pair layout.
TEST(ExampleBuilder, PackedRobertaRowsCrossDocumentsWithADoubleSeparator) {
  check_packed_stream("roberta");
}

TEST(ExampleBuilder, NspPairLayoutComesFromTheTemplate) {
  testing::TempDir dir;
  const Docs docs = testing::synth_docs(50, 5, 2, 6, 3, 12);
  const Dataset data = testing::write_dataset(dir.path(), docs);
  const SpecialIds sp{0, 100, 101, 102, 103};
  ExampleBuilder builder(data, nsp_config(64), 7, PairTemplate::of("bert", sp));
  const ExampleSpec ex = builder.plan(0).front();
  std::vector<int32_t> ids(64), types(64);
  const int n = builder.materialize(ex, ids.data(), types.data());
  const int a_end = 1 + static_cast<int>(ex.a.len);
  ASSERT_EQ(n, a_end + 1 + static_cast<int>(ex.b.len) + 1);
  EXPECT_EQ(ids[0], 101);
  EXPECT_EQ(ids[a_end], 102);
  EXPECT_EQ(ids[n - 1], 102);
  for (int p = 0; p < n; ++p) EXPECT_EQ(types[p], p <= a_end ? 0 : 1) << p;
  EXPECT_EQ(std::vector<int32_t>(ids.begin() + 1, ids.begin() + a_end), segment_tokens(docs, ex.a));
}

TEST(ExampleBuilder, PackedModeCutsASentenceLongerThanAnExample) {
  testing::TempDir dir;
  Docs docs = testing::synth_docs(3, 18, 2, 2, 5, 5);
  docs[1][0].assign(100, 9);
  const Dataset data = testing::write_dataset(dir.path(), docs, 1);
  DataConfig c = nsp_config(32);
  c.nsp = false;
  ExampleBuilder builder(data, c, 3);
  std::vector<int32_t> ids(32), types(32);
  bool seen = false;
  for (const auto& ex : builder.plan(0)) {
    const int n = builder.materialize(ex, ids.data(), types.data());
    ASSERT_LE(n, 32);
    if (ex.a.doc == 1 && ex.a.first == 0) {
      seen = true;
      EXPECT_EQ(n, 32);
      EXPECT_EQ(ids[1], 9);
      EXPECT_EQ(ids[30], 9);
    }
  }
  EXPECT_TRUE(seen);
}

}  // namespace
}  // namespace bertforge
