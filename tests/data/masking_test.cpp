#include "data/masking.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "data/batch.h"
#include "data/synthetic_data.h"
#include "errors/errors.h"
#include "runtime/random.h"
#include "tokenizer/tokenizer.h"

namespace bertforge {
namespace {

using testing::kSynthVocab;
using testing::synth_word_start;
using testing::synth_word_start_table;

// An example as the loader lays it out: [CLS] A [SEP] B [SEP] [PAD]..., with a stray [MASK] in A
// (which must never be selected). Total length 128.
std::vector<int32_t> make_example(Rng& rng, int* real_len) {
  const int a = static_cast<int>(rng.range(4, 60)), b = static_cast<int>(rng.range(4, 60));
  std::vector<int32_t> ids;
  ids.push_back(kClsId);
  for (int i = 0; i < a; ++i) ids.push_back(static_cast<int32_t>(rng.range(5, kSynthVocab - 1)));
  ids[2] = kMaskId;
  ids.push_back(kSepId);
  for (int i = 0; i < b; ++i) ids.push_back(static_cast<int32_t>(rng.range(5, kSynthVocab - 1)));
  ids.push_back(kSepId);
  *real_len = static_cast<int>(ids.size());
  ids.resize(128, kPadId);
  return ids;
}

bool structural(int32_t id) {
  return id == kPadId || id == kClsId || id == kSepId || id == kMaskId;
}

struct Tally {
  int64_t candidates = 0, selected = 0, as_mask = 0, as_random = 0, kept = 0, examples = 0;
};

// Masks many examples and checks the per-position invariants; returns the counts.
Tally run_many(const Masker& masker, int examples, uint64_t seed,
               const std::function<void(const std::vector<int32_t>&, const std::vector<int32_t>&,
                                        const std::vector<int32_t>&)>& check = nullptr) {
  Rng gen(seed);
  MaskScratch scratch;
  Tally t;
  for (int e = 0; e < examples; ++e) {
    int len = 0;
    const std::vector<int32_t> original = make_example(gen, &len);
    std::vector<int32_t> ids = original, labels(ids.size(), 12345);
    Rng rng = Rng::derive(seed, {7, static_cast<uint64_t>(e)});
    // Mask the padded row: [PAD] must never be selected either.
    const int n =
        masker.mask(ids.data(), labels.data(), static_cast<int>(ids.size()), rng, scratch);
    int selected = 0;
    for (size_t p = 0; p < ids.size(); ++p) {
      if (!structural(original[p])) ++t.candidates;
      if (labels[p] == kIgnoreLabel) {
        EXPECT_EQ(ids[p], original[p]) << "unselected position " << p << " changed";
        continue;
      }
      ++selected;
      EXPECT_FALSE(structural(original[p])) << "special or padding selected at " << p;
      EXPECT_EQ(labels[p], original[p]) << "label is not the original token";
      if (ids[p] == kMaskId) {
        ++t.as_mask;
      } else if (ids[p] != original[p]) {
        ++t.as_random;
        EXPECT_GE(ids[p], kNumSpecials);
        EXPECT_LT(ids[p], kSynthVocab);
      } else {
        ++t.kept;
      }
    }
    EXPECT_EQ(selected, n);
    EXPECT_GE(selected, 1);
    t.selected += selected;
    ++t.examples;
    if (check) check(original, ids, labels);
  }
  return t;
}

MaskingConfig config(const std::string& strategy) {
  MaskingConfig c;
  c.strategy = strategy;
  return c;
}

TEST(Masking, TokenSelectionRateAndSplit) {
  Masker masker(config("token"), kSynthVocab, {});
  const Tally t = run_many(masker, 12000, 1);
  ASSERT_GE(t.selected, 100000);
  EXPECT_NEAR(double(t.selected) / t.candidates, 0.15, 0.005);
  EXPECT_NEAR(double(t.as_mask) / t.selected, 0.8, 0.01);
  EXPECT_NEAR(double(t.as_random) / t.selected, 0.1, 0.01);
  EXPECT_NEAR(double(t.kept) / t.selected, 0.1, 0.01);
}

TEST(Masking, OtherFractionsAreHonoured) {
  MaskingConfig c = config("token");
  c.probability = 0.3;
  c.mask = 0.5;
  c.random = 0.25;
  Masker masker(c, kSynthVocab, {});
  const Tally t = run_many(masker, 4000, 2);
  EXPECT_NEAR(double(t.selected) / t.candidates, 0.3, 0.005);
  EXPECT_NEAR(double(t.as_mask) / t.selected, 0.5, 0.015);
  EXPECT_NEAR(double(t.as_random) / t.selected, 0.25, 0.015);
  EXPECT_NEAR(double(t.kept) / t.selected, 0.25, 0.015);
}

TEST(Masking, AtLeastOneAndCap) {
  Masker masker(config("token"), kSynthVocab, {});
  MaskScratch scratch;
  Rng rng(3);
  // One candidate: 0.15 of it rounds to 0 or 1, but one is always selected.
  for (int k = 0; k < 100; ++k) {
    std::vector<int32_t> ids = {kClsId, 77, kSepId, kPadId}, labels(4);
    EXPECT_EQ(masker.mask(ids.data(), labels.data(), 4, rng, scratch), 1);
    EXPECT_EQ(labels[1], 77);
  }
  // No candidate at all: nothing selected.
  std::vector<int32_t> ids = {kClsId, kSepId, kSepId, kPadId}, labels(4);
  EXPECT_EQ(masker.mask(ids.data(), labels.data(), 4, rng, scratch), 0);
  // The cap.
  MaskingConfig c = config("token");
  c.max_predictions = 5;
  Masker capped(c, kSynthVocab, {});
  std::vector<int32_t> many(200, 9), many_labels(200);
  EXPECT_EQ(capped.mask(many.data(), many_labels.data(), 200, rng, scratch), 5);
}

TEST(Masking, SameRngSameMask) {
  Masker masker(config("token"), kSynthVocab, {});
  MaskScratch scratch;
  Rng gen(4);
  int len = 0;
  const auto original = make_example(gen, &len);
  auto a = original, b = original;
  std::vector<int32_t> la(a.size()), lb(b.size());
  Rng r1(99), r2(99), r3(100);
  masker.mask(a.data(), la.data(), len, r1, scratch);
  masker.mask(b.data(), lb.data(), len, r2, scratch);
  EXPECT_EQ(a, b);
  EXPECT_EQ(la, lb);
  auto c = original;
  std::vector<int32_t> lc(c.size());
  masker.mask(c.data(), lc.data(), len, r3, scratch);
  EXPECT_NE(lc, la);
}

// Words as the test defines them: a word-start id, or any id right after a structural token,
// followed by the continuation ids after it.
void expect_whole_words(const std::vector<int32_t>& original, const std::vector<int32_t>& labels) {
  size_t p = 0;
  while (p < original.size()) {
    if (structural(original[p])) {
      ++p;
      continue;
    }
    size_t end = p + 1;
    while (end < original.size() && !structural(original[end]) && !synth_word_start(original[end]))
      ++end;
    const bool first = labels[p] != kIgnoreLabel;
    for (size_t q = p; q < end; ++q)
      ASSERT_EQ(labels[q] != kIgnoreLabel, first) << "word [" << p << ", " << end << ") split";
    p = end;
  }
}

TEST(Masking, WholeWordNeverSplitsAWord) {
  Masker masker(config("whole_word"), kSynthVocab, synth_word_start_table());
  int64_t multi_piece_selected = 0;
  const Tally t =
      run_many(masker, 12000, 5, [&](const auto& original, const auto&, const auto& labels) {
        expect_whole_words(original, labels);
        for (size_t p = 1; p < original.size(); ++p)
          if (labels[p] != kIgnoreLabel && !synth_word_start(original[p])) ++multi_piece_selected;
      });
  ASSERT_GE(t.selected, 100000);
  EXPECT_GT(multi_piece_selected, 1000);  // words of several pieces were selected, whole
  EXPECT_NEAR(double(t.selected) / t.candidates, 0.15, 0.005);
  EXPECT_NEAR(double(t.as_mask) / t.selected, 0.8, 0.01);
  EXPECT_NEAR(double(t.as_random) / t.selected, 0.1, 0.01);
}

TEST(Masking, WholeWordNeedsTheWordStartTable) {
  EXPECT_THROW(Masker(config("whole_word"), kSynthVocab, {}), ConfigError);
  EXPECT_THROW(Masker(config("nonsense"), kSynthVocab, {}), ConfigError);
}

TEST(Masking, SpanLengthsFollowTheTruncatedGeometric) {
  Masker masker(config("span"), kSynthVocab, {});
  Rng rng(6);
  const int draws = 200000;
  std::vector<int64_t> hist(12, 0);
  double sum = 0;
  for (int i = 0; i < draws; ++i) {
    const int l = masker.sample_span_length(rng);
    ASSERT_GE(l, 1);
    ASSERT_LE(l, 10);
    ++hist[l];
    sum += l;
  }
  // P(l) = 0.2 * 0.8^(l-1) / (1 - 0.8^10), l = 1..10; 1 - 0.8^10 = 0.8926258176.
  const double norm = 0.8926258176;
  for (int l = 1; l <= 10; ++l) {
    const double expected = 0.2 * std::pow(0.8, l - 1) / norm;
    const double sigma = std::sqrt(expected * (1 - expected) / draws);
    EXPECT_NEAR(double(hist[l]) / draws, expected, 5 * sigma) << "length " << l;
  }
  EXPECT_NEAR(double(hist[1]) / draws, 0.2240580, 0.005);
  // Mean (5 - 15 * 0.8^10) / (1 - 0.8^10) = 3.7971, SpanBERT's "mean span length 3.8".
  EXPECT_NEAR(sum / draws, 3.7971, 0.03);
}

TEST(Masking, SpanMasksContiguousRunsAtTheRate) {
  Masker masker(config("span"), kSynthVocab, {});
  int64_t runs = 0, run_tokens = 0;
  const Tally t =
      run_many(masker, 12000, 8, [&](const auto& original, const auto&, const auto& labels) {
        for (size_t p = 0; p < labels.size(); ++p) {
          if (labels[p] == kIgnoreLabel) continue;
          if (p == 0 || labels[p - 1] == kIgnoreLabel) ++runs;
          ++run_tokens;
        }
      });
  ASSERT_GE(t.selected, 100000);
  EXPECT_NEAR(double(t.selected) / t.candidates, 0.15, 0.005);
  EXPECT_NEAR(double(t.as_mask) / t.selected, 0.8, 0.01);
  // Spans are cut by the budget, by [SEP] and merge when adjacent, so runs are a little shorter
  // than the sampled mean 3.8, but far longer than token masking's ~1.2.
  const double mean_run = double(run_tokens) / runs;
  EXPECT_GT(mean_run, 2.8);
  EXPECT_LT(mean_run, 4.5);
}

TEST(Masking, SpanOverWordsNeverSplitsAWord) {
  Masker masker(config("span"), kSynthVocab, synth_word_start_table());
  const Tally t =
      run_many(masker, 3000, 9, [&](const auto& original, const auto&, const auto& labels) {
        expect_whole_words(original, labels);
      });
  EXPECT_NEAR(double(t.selected) / t.candidates, 0.15, 0.01);
}

// bert-base-uncased's layout: [PAD] 0, [UNK] 100, [CLS] 101, [SEP] 102, [MASK] 103.
constexpr SpecialIds kBertBase{0, 100, 101, 102, 103};

TEST(Masking, NthOrdinarySkipsTheSpecialsWhereverTheyAre) {
  const SpecialIds ours;  // 0-4
  for (int32_t r : {0, 1, 7, 500}) EXPECT_EQ(ours.nth_ordinary(r), 5 + r);
  // Ordinary ids of bert-base: 1..99, then 104... (hand-counted).
  EXPECT_EQ(kBertBase.nth_ordinary(0), 1);
  EXPECT_EQ(kBertBase.nth_ordinary(98), 99);
  EXPECT_EQ(kBertBase.nth_ordinary(99), 104);
  EXPECT_EQ(kBertBase.nth_ordinary(200), 205);
}

TEST(Masking, SpecialsAtBertBaseIdsAreNeverSelectedNorDrawn) {
  const int vocab = 300;
  MaskingConfig c = config("token");
  c.probability = 0.5;
  c.mask = 0.2;
  c.random = 0.7;  // mostly random replacements: every one must be an ordinary id
  Masker masker(c, vocab, {}, kBertBase);
  MaskScratch scratch;
  Rng gen(11);
  int64_t masked = 0, random = 0;
  for (int e = 0; e < 2000; ++e) {
    std::vector<int32_t> ids = {101};
    for (int i = 0; i < 30; ++i) {
      int32_t id;
      do id = static_cast<int32_t>(gen.range(1, vocab - 1));
      while (kBertBase.is_special(id));
      ids.push_back(id);
    }
    ids[3] = 103;  // a stray [MASK] in the text
    ids.push_back(102);
    ids.resize(40, 0);
    const std::vector<int32_t> original = ids;
    std::vector<int32_t> labels(ids.size());
    Rng rng = Rng::derive(5, {static_cast<uint64_t>(e)});
    masker.mask(ids.data(), labels.data(), static_cast<int>(ids.size()), rng, scratch);
    for (size_t p = 0; p < ids.size(); ++p) {
      if (labels[p] == kIgnoreLabel) continue;
      EXPECT_FALSE(kBertBase.is_structural(original[p])) << "selected a special at " << p;
      if (ids[p] == 103) {
        ++masked;
      } else if (ids[p] != original[p]) {
        ++random;
        EXPECT_FALSE(kBertBase.is_special(ids[p])) << "drew special " << ids[p];
        EXPECT_GE(ids[p], 0);
        EXPECT_LT(ids[p], vocab);
      }
    }
    EXPECT_EQ(ids[0], 101);
    EXPECT_EQ(ids[31], 102);
  }
  EXPECT_GT(masked, 1000);
  EXPECT_GT(random, 5000);
}

}  // namespace
}  // namespace bertforge
