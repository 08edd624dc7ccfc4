#include "data/loader.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>
#include <vector>

#include "config/config.h"
#include "data/batch.h"
#include "data/synthetic_data.h"
#include "errors/errors.h"
#include "testutil.h"
#include "tokenizer/tokenizer.h"

namespace bertforge {
namespace {

using testing::kSynthVocab;

class LoaderTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new testing::TempDir();
    data_ = new Dataset(testing::write_dataset(dir_->path(), testing::synth_docs(3000, 21)));
  }
  static void TearDownTestSuite() {
    delete data_;
    delete dir_;
  }

  LoaderOptions options(int batch = 8, int rank = 0, int world = 1) const {
    LoaderOptions o;
    o.seed = 1234;
    o.batch_size = batch;
    o.rank = rank;
    o.world_size = world;
    o.vocab_size = kSynthVocab;
    o.word_start = testing::synth_word_start_table();
    return o;
  }

  static testing::TempDir* dir_;
  static Dataset* data_;
  DataConfig dcfg_;
  MaskingConfig mcfg_;
};
testing::TempDir* LoaderTest::dir_ = nullptr;
Dataset* LoaderTest::data_ = nullptr;

void expect_same(const Batch& a, const Batch& b) {
  ASSERT_EQ(a.batch_size, b.batch_size);
  ASSERT_EQ(a.seq_len, b.seq_len);
  EXPECT_EQ(a.example_ids, b.example_ids);
  EXPECT_EQ(a.input_ids, b.input_ids);
  EXPECT_EQ(a.token_type_ids, b.token_type_ids);
  EXPECT_EQ(a.attention_mask, b.attention_mask);
  EXPECT_EQ(a.mlm_labels, b.mlm_labels);
  EXPECT_EQ(a.nsp_labels, b.nsp_labels);
  EXPECT_EQ(a.num_real_tokens, b.num_real_tokens);
  EXPECT_EQ(a.num_masked, b.num_masked);
}

// One example's row without padding: input ids, then labels, then token types, then the NSP label.
std::vector<int32_t> row(const Batch& b, int64_t i) {
  std::vector<int32_t> r;
  const int64_t T = b.seq_len;
  for (int64_t p = 0; p < T && b.attention_mask[i * T + p]; ++p)
    r.push_back(b.input_ids[i * T + p]);
  for (int64_t p = 0; p < T && b.attention_mask[i * T + p]; ++p)
    r.push_back(b.mlm_labels[i * T + p]);
  for (int64_t p = 0; p < T && b.attention_mask[i * T + p]; ++p)
    r.push_back(b.token_type_ids[i * T + p]);
  r.push_back(b.nsp_labels[i]);
  return r;
}

// A tokenizer whose specials sit above the data's ids (as an adopted vocab.txt may have them):
// the loader writes and masks with those ids, never with 0-4.
TEST_F(LoaderTest, UsesTheTokenizersSpecialIds) {
  LoaderOptions o = options(16);
  o.vocab_size = kSynthVocab + 5;
  const int32_t V = kSynthVocab;
  o.specials = SpecialIds{V + 4, V, V + 1, V + 2, V + 3};  // pad, unk, cls, sep, mask
  o.word_start.resize(static_cast<size_t>(o.vocab_size), 1);
  Loader loader(*data_, dcfg_, mcfg_, o);
  int64_t as_mask = 0;
  for (int k = 0; k < 10; ++k) {
    const Batch b = loader.next();
    const int64_t T = b.seq_len;
    for (int64_t i = 0; i < b.batch_size; ++i) {
      int64_t len = 0;
      while (len < T && b.attention_mask[size_t(i * T + len)]) ++len;
      EXPECT_EQ(b.input_ids[size_t(i * T)], V + 1) << "[CLS]";
      EXPECT_EQ(b.input_ids[size_t(i * T + len - 1)], V + 2) << "[SEP]";
      for (int64_t p = len; p < T; ++p) EXPECT_EQ(b.input_ids[size_t(i * T + p)], V + 4);
      for (int64_t p = 0; p < len; ++p) {
        const size_t q = size_t(i * T + p);
        if (b.mlm_labels[q] == kIgnoreLabel) continue;
        EXPECT_LT(b.mlm_labels[q], V) << "a special was selected";
        as_mask += b.input_ids[q] == V + 3;
        if (b.input_ids[q] != V + 3) EXPECT_LT(b.input_ids[q], V) << "a special was drawn";
      }
    }
  }
  EXPECT_GT(as_mask, 100);
}

TEST_F(LoaderTest, BatchLayout) {
  Loader loader(*data_, dcfg_, mcfg_, options(16));
  for (int k = 0; k < 20; ++k) {
    const Batch b = loader.next();
    const int64_t T = b.seq_len;
    ASSERT_EQ(b.batch_size, 16);
    ASSERT_EQ(b.input_ids.size(), size_t(16 * T));
    int64_t real = 0, masked = 0, longest = 0;
    for (int64_t i = 0; i < 16; ++i) {
      int64_t len = 0;
      for (int64_t p = 0; p < T; ++p) {
        const size_t q = size_t(i * T + p);
        if (b.attention_mask[q]) {
          ASSERT_EQ(len, p) << "padding before a real token";
          ++len;
        } else {
          ASSERT_EQ(b.input_ids[q], kPadId);
          ASSERT_EQ(b.token_type_ids[q], 0);
          ASSERT_EQ(b.mlm_labels[q], kIgnoreLabel);
        }
        masked += b.mlm_labels[q] != kIgnoreLabel;
      }
      ASSERT_EQ(b.input_ids[size_t(i * T)], kClsId);
      ASSERT_EQ(b.input_ids[size_t(i * T + len - 1)], kSepId);
      ASSERT_TRUE(b.nsp_labels[i] == kIsNext || b.nsp_labels[i] == kNotNext);
      real += len;
      longest = std::max(longest, len);
    }
    EXPECT_EQ(T, longest) << "padded to the longest example";
    EXPECT_LE(T, 128);
    EXPECT_EQ(b.num_real_tokens, real);
    EXPECT_EQ(b.num_masked, masked);
  }
  DataConfig pad = dcfg_;
  pad.pad_to_max = true;
  Loader padded(*data_, pad, mcfg_, options(16));
  EXPECT_EQ(padded.next().seq_len, 128);
}

TEST_F(LoaderTest, StatisticsOverManySelections) {
  Loader loader(*data_, dcfg_, mcfg_, options(32));
  int64_t selected = 0, maskable = 0, as_mask = 0, as_random = 0, kept = 0, next = 0, examples = 0;
  while (selected < 100000) {
    const Batch b = loader.next();
    for (size_t q = 0; q < b.input_ids.size(); ++q) {
      const int32_t label = b.mlm_labels[q], id = b.input_ids[q];
      const int32_t original = label != kIgnoreLabel ? label : id;
      if (!b.attention_mask[q]) continue;
      const bool special = original == kClsId || original == kSepId || original == kPadId;
      maskable += !special;
      if (label == kIgnoreLabel) continue;
      ASSERT_FALSE(special);
      ++selected;
      as_mask += id == kMaskId;
      as_random += id != kMaskId && id != label;
      kept += id == label;
    }
    for (int32_t l : b.nsp_labels) next += l == kIsNext;
    examples += b.batch_size;
  }
  EXPECT_NEAR(double(selected) / maskable, 0.15, 0.005);
  EXPECT_NEAR(double(as_mask) / selected, 0.8, 0.01);
  EXPECT_NEAR(double(as_random) / selected, 0.1, 0.01);
  EXPECT_NEAR(double(kept) / selected, 0.1, 0.01);
  EXPECT_NEAR(double(next) / examples, 0.5, 0.02);
}

TEST_F(LoaderTest, DeterministicWhateverThePrefetchThreads) {
  LoaderOptions one = options(), three = options(), sync = options();
  three.prefetch_threads = 3;
  sync.prefetch_threads = 0;
  Loader a(*data_, dcfg_, mcfg_, one), b(*data_, dcfg_, mcfg_, one), c(*data_, dcfg_, mcfg_, three),
      d(*data_, dcfg_, mcfg_, sync);
  for (int k = 0; k < 30; ++k) {
    const Batch x = a.next();
    expect_same(x, b.next());
    expect_same(x, c.next());
    expect_same(x, d.next());
  }
  LoaderOptions other = options();
  other.seed = 99;
  Loader e(*data_, dcfg_, mcfg_, other);
  Loader f(*data_, dcfg_, mcfg_, one);
  EXPECT_NE(e.next().example_ids, f.next().example_ids);
}

TEST_F(LoaderTest, ResumeFromAStoredPosition) {
  LoaderOptions o = options(32);
  o.prefetch_threads = 2;
  Loader a(*data_, dcfg_, mcfg_, o);
  const int64_t per_epoch = a.batches_per_epoch();
  ASSERT_GT(per_epoch, 10);
  // Stop a few batches before the end of epoch 0 so the continuation crosses into epoch 1.
  for (int64_t k = 0; k < per_epoch - 3; ++k) a.next();
  const LoaderPosition stored = a.position();
  EXPECT_EQ(stored.epoch, 0);
  EXPECT_EQ(stored.step, per_epoch - 3);
  std::vector<Batch> expected;
  for (int k = 0; k < 8; ++k) expected.push_back(a.next());
  EXPECT_EQ(a.position().epoch, 1);
  EXPECT_EQ(a.position().step, 5);

  Loader b(*data_, dcfg_, mcfg_, options(32));  // fresh, one prefetch thread
  b.set_position(stored);
  for (const auto& e : expected) expect_same(e, b.next());
  // Rewinding a loader that has prefetched ahead gives the same batches again.
  a.set_position(stored);
  for (const auto& e : expected) expect_same(e, a.next());
  // The epoch boundary rolls over: the last batch of epoch 0 is followed by epoch 1's first.
  Loader c(*data_, dcfg_, mcfg_, options(32));
  c.set_position({1, 0});
  expect_same(expected[3], c.next());
}

TEST_F(LoaderTest, RanksAreDisjointAndCovering) {
  for (int world : {2, 3}) {
    const int B = 8;
    std::set<int64_t> seen;
    int64_t per_epoch = -1;
    for (int r = 0; r < world; ++r) {
      Loader loader(*data_, dcfg_, mcfg_, options(B, r, world));
      if (per_epoch < 0) per_epoch = loader.batches_per_epoch();
      ASSERT_EQ(loader.batches_per_epoch(), per_epoch) << "ranks must agree on the epoch length";
      for (int64_t k = 0; k < per_epoch; ++k)
        for (int64_t id : loader.next().example_ids)
          ASSERT_TRUE(seen.insert(id).second) << "example " << id << " served twice";
      EXPECT_EQ(loader.position().epoch, 1);
      const int64_t n = loader.examples_in_epoch(0);
      EXPECT_EQ(per_epoch, n / (world * B));
    }
    Loader single(*data_, dcfg_, mcfg_, options(B));
    const int64_t n = single.examples_in_epoch(0);
    EXPECT_EQ(int64_t(seen.size()), per_epoch * world * B);
    EXPECT_LT(n - int64_t(seen.size()), world * B) << "only the last partial batch is dropped";
    EXPECT_LT(*seen.rbegin(), n);
  }
}

TEST_F(LoaderTest, UnionOfRanksEqualsTheSingleProcessBatch) {
  const int B = 4, world = 3;
  LoaderOptions big = options(B * world);
  big.prefetch_threads = 2;
  Loader single(*data_, dcfg_, mcfg_, big);
  std::vector<std::unique_ptr<Loader>> ranks;
  for (int r = 0; r < world; ++r)
    ranks.push_back(std::make_unique<Loader>(*data_, dcfg_, mcfg_, options(B, r, world)));
  for (int k = 0; k < 10; ++k) {
    const Batch whole = single.next();
    std::map<int64_t, std::vector<int32_t>> expect, got;
    for (int64_t i = 0; i < whole.batch_size; ++i) expect[whole.example_ids[i]] = row(whole, i);
    for (auto& loader : ranks) {
      const Batch part = loader->next();
      for (int64_t i = 0; i < part.batch_size; ++i) got[part.example_ids[i]] = row(part, i);
    }
    ASSERT_EQ(got.size(), size_t(B * world));
    EXPECT_EQ(got, expect) << "batch " << k;
  }
}

TEST_F(LoaderTest, EpochsMaskTheSameExampleDifferently) {
  DataConfig packed = dcfg_;  // the packed plan is the same every epoch: example i is the same
  packed.nsp = false;
  Loader loader(*data_, packed, mcfg_, options(16));
  const int64_t per_epoch = loader.batches_per_epoch();
  std::map<int64_t, std::vector<int32_t>> first;
  int64_t compared = 0, differ = 0;
  for (int epoch = 0; epoch < 2; ++epoch) {
    for (int64_t k = 0; k < per_epoch; ++k) {
      const Batch b = loader.next();
      const int64_t T = b.seq_len;
      for (int64_t i = 0; i < b.batch_size; ++i) {
        ASSERT_EQ(b.nsp_labels[i], kIgnoreLabel);
        std::vector<int32_t> original, masked;
        for (int64_t p = 0; p < T && b.attention_mask[i * T + p]; ++p) {
          const int32_t l = b.mlm_labels[i * T + p], id = b.input_ids[i * T + p];
          ASSERT_EQ(b.token_type_ids[i * T + p], 0);
          original.push_back(l != kIgnoreLabel ? l : id);
          masked.push_back(l != kIgnoreLabel ? 1 : 0);
        }
        original.insert(original.end(), masked.begin(), masked.end());
        if (epoch == 0) {
          first[b.example_ids[i]] = original;
          continue;
        }
        auto it = first.find(b.example_ids[i]);
        if (it == first.end()) continue;  // dropped in epoch 0's last partial batch
        const size_t half = original.size() / 2;
        ASSERT_EQ(it->second.size(), original.size());
        ASSERT_TRUE(std::equal(original.begin(), original.begin() + half, it->second.begin()))
            << "same example, same tokens";
        ++compared;
        differ += !std::equal(original.begin() + half, original.end(), it->second.begin() + half);
      }
    }
  }
  ASSERT_GT(compared, 500);
  EXPECT_GT(double(differ) / compared, 0.99);
}

TEST_F(LoaderTest, PackedModeHasSepBetweenDocuments) {
  DataConfig packed = dcfg_;
  packed.nsp = false;
  Loader loader(*data_, packed, mcfg_, options(16));
  int64_t inner_seps = 0;
  for (int k = 0; k < 20; ++k) {
    const Batch b = loader.next();
    const int64_t T = b.seq_len;
    for (int64_t i = 0; i < b.batch_size; ++i) {
      int64_t len = 0;
      while (len < T && b.attention_mask[i * T + len]) ++len;
      for (int64_t p = 1; p + 1 < len; ++p) inner_seps += b.input_ids[i * T + p] == kSepId;
    }
  }
  EXPECT_GT(inner_seps, 100);  // docs average ~100 tokens, so most examples cross one
}

TEST_F(LoaderTest, EvaluationOrderIsFixed) {
  LoaderOptions o = options(8);
  o.shuffle = false;
  Loader a(*data_, dcfg_, mcfg_, o);
  const int64_t per_epoch = a.batches_per_epoch();
  const Batch first = a.next();
  EXPECT_EQ(first.example_ids, (std::vector<int64_t>{0, 1, 2, 3, 4, 5, 6, 7}));
  for (int64_t k = 1; k < per_epoch; ++k) a.next();
  expect_same(first, a.next());  // the next pass serves the same batches with the same masks
  Loader b(*data_, dcfg_, mcfg_, o);
  expect_same(first, b.next());
}

TEST_F(LoaderTest, TooLittleDataForOneBatchIsAnError) {
  Loader big(*data_, dcfg_, mcfg_, options(100000));
  EXPECT_EQ(big.batches_per_epoch(), 0);
  EXPECT_THROW(big.next(), RuntimeError);
  EXPECT_THROW(big.next(), RuntimeError);
  LoaderOptions sync = options(100000);
  sync.prefetch_threads = 0;
  Loader big_sync(*data_, dcfg_, mcfg_, sync);
  EXPECT_THROW(big_sync.next(), RuntimeError);
}

}  // namespace
}  // namespace bertforge
