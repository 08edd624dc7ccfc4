#include "data/mixture.h"

#include <gtest/gtest.h>

#include <map>
#include <tuple>
#include <vector>

#include "config/config.h"
#include "data/loader.h"
#include "data/synthetic_data.h"
#include "errors/errors.h"
#include "testutil.h"

namespace bertforge {
namespace {

using testing::kSynthVocab;

using SpecKey = std::tuple<uint32_t, uint32_t, uint32_t, uint32_t, uint32_t, uint32_t, uint32_t,
                           uint32_t, uint32_t, int32_t>;
SpecKey key(const ExampleSpec& e) {
  return {e.a.doc, e.a.first, e.a.last, e.a.skip, e.a.len,
          e.b.doc, e.b.first, e.b.last, e.b.len,  e.nsp_label};
}

TEST(MixtureCountsTest, LargestRemainderByHand) {
  EXPECT_EQ(mixture_counts({0.8, 0.2}, 10), (std::vector<int64_t>{8, 2}));
  // 10/3 each: floors 3, 3, 3; the one left goes to the first (equal remainders).
  EXPECT_EQ(mixture_counts({1, 1, 1}, 10), (std::vector<int64_t>{4, 3, 3}));
  // 3.5, 0, 3.5 -> 3, 0, 3 and one more to the first.
  EXPECT_EQ(mixture_counts({0.5, 0, 0.5}, 7), (std::vector<int64_t>{4, 0, 3}));
  // 7 * (0.7, 0.2, 0.1) = 4.9, 1.4, 0.7 -> 4, 1, 0; remainders .9, .4, .7 -> first, third.
  EXPECT_EQ(mixture_counts({7, 2, 1}, 7), (std::vector<int64_t>{5, 1, 1}));
  EXPECT_EQ(mixture_counts({3, 1}, 0), (std::vector<int64_t>{0, 0}));
}

class MixtureTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new testing::TempDir();
    data_ = new Dataset(testing::write_dataset(dir_->path(), testing::synth_docs(600, 5)));
  }
  static void TearDownTestSuite() {
    delete data_;
    delete dir_;
  }
  // A small source (documents 0..49) and a large one (50..599).
  std::vector<MixSource> sources(double w_small, double w_large) const {
    return {{"small", 0, 50, w_small}, {"large", 50, 600, w_large}};
  }
  static testing::TempDir* dir_;
  static Dataset* data_;
  DataConfig dcfg_;
};
testing::TempDir* MixtureTest::dir_ = nullptr;
Dataset* MixtureTest::data_ = nullptr;

TEST_F(MixtureTest, CountsFollowTheWeightsAndExamplesStayInTheirSource) {
  ExampleBuilder b(*data_, dcfg_, 7);
  const auto src = sources(0.5, 0.5);
  const MixedPlan m = mixture_plan(b, src, 7, 0);
  const size_t n_small = b.plan(0, 0, 50).size(), n_large = b.plan(0, 50, 600).size();
  ASSERT_EQ(m.examples.size(), n_small + n_large);
  ASSERT_EQ(m.source.size(), m.examples.size());
  EXPECT_EQ(m.examples_per_source, mixture_counts({0.5, 0.5}, int64_t(n_small + n_large)));
  std::vector<int64_t> seen(2, 0);
  std::map<SpecKey, int> repeats;
  for (size_t i = 0; i < m.examples.size(); ++i) {
    const MixSource& s = src[m.source[i]];
    const ExampleSpec& e = m.examples[i];
    ASSERT_TRUE(e.a.doc >= s.begin && e.a.doc < s.end) << i;
    ASSERT_TRUE(e.b.doc >= s.begin && e.b.doc < s.end) << i;  // NotNext partners too
    ++seen[m.source[i]];
    if (m.source[i] == 0) ++repeats[key(e)];
  }
  EXPECT_EQ(seen, m.examples_per_source);
  // The small source is repeated: each of its examples k/n times, rounded down or up.
  const int64_t k = m.examples_per_source[0];
  ASSERT_GT(k, static_cast<int64_t>(n_small));
  EXPECT_EQ(repeats.size(), n_small);
  for (const auto& [spec, count] : repeats) {
    EXPECT_GE(count, k / static_cast<int64_t>(n_small));
    EXPECT_LE(count, k / static_cast<int64_t>(n_small) + 1);
  }
}

TEST_F(MixtureTest, DeterministicPerEpochAndSubsetsDiffer) {
  ExampleBuilder b(*data_, dcfg_, 7);
  const auto src = sources(0.95, 0.05);  // the large source is subsampled
  const MixedPlan a = mixture_plan(b, src, 7, 3), again = mixture_plan(b, src, 7, 3);
  ASSERT_EQ(a.examples.size(), again.examples.size());
  for (size_t i = 0; i < a.examples.size(); ++i)
    ASSERT_EQ(key(a.examples[i]), key(again.examples[i]));
  const MixedPlan other = mixture_plan(b, src, 7, 4);
  std::map<SpecKey, int> in_a;
  for (size_t i = 0; i < a.examples.size(); ++i)
    if (a.source[i] == 1) ++in_a[key(a.examples[i])];
  int shared = 0, large = 0;
  for (size_t i = 0; i < other.examples.size(); ++i)
    if (other.source[i] == 1) ++large, shared += in_a.count(key(other.examples[i])) ? 1 : 0;
  EXPECT_GT(large, 0);
  EXPECT_LT(shared, large);  // another epoch draws other examples of the large source
}

TEST_F(MixtureTest, ZeroWeightSourceIsNotDrawnAndEmptyWeightedSourceIsAnError) {
  ExampleBuilder b(*data_, dcfg_, 7);
  const MixedPlan m = mixture_plan(b, sources(0, 1), 7, 0);
  for (uint16_t s : m.source) ASSERT_EQ(s, 1);
  std::vector<MixSource> empty = {{"none", 10, 10, 1.0}, {"large", 50, 600, 1.0}};
  EXPECT_THROW(mixture_plan(b, empty, 7, 0), RuntimeError);
}

TEST_F(MixtureTest, LoaderCountsTokensPerSourceAndResumesExactly) {
  LoaderOptions o;
  o.seed = 99;
  o.batch_size = 16;
  o.vocab_size = kSynthVocab;
  o.word_start = testing::synth_word_start_table();
  o.mix = sources(0.8, 0.2);
  Loader a(*data_, dcfg_, MaskingConfig{}, o);
  EXPECT_EQ(a.source_names(), (std::vector<std::string>{"small", "large"}));
  std::vector<Batch> first;
  int64_t small = 0, total = 0;
  for (int i = 0; i < 30; ++i) {
    first.push_back(a.next());
    const Batch& b = first.back();
    ASSERT_EQ(b.source_tokens.size(), 2u);
    EXPECT_EQ(b.source_tokens[0] + b.source_tokens[1], b.num_real_tokens);
    small += b.source_tokens[0];
    total += b.num_real_tokens;
  }
  // About 80% of the examples come from the small source (its examples are of the same kind).
  EXPECT_GT(double(small) / double(total), 0.7);
  EXPECT_LT(double(small) / double(total), 0.9);
  Loader b(*data_, dcfg_, MaskingConfig{}, o);
  b.set_position({0, 20});
  for (int i = 20; i < 30; ++i) {
    const Batch x = b.next();
    EXPECT_EQ(x.input_ids, first[i].input_ids) << i;
    EXPECT_EQ(x.mlm_labels, first[i].mlm_labels) << i;
    EXPECT_EQ(x.source_tokens, first[i].source_tokens) << i;
  }
}

}  // namespace
}  // namespace bertforge
