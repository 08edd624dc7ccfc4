// Where a batch is masked: selects positions of one example for the MLM loss and corrupts them.
//
// Selection: probability x (non-special positions) positions, rounded stochastically (floor, plus
// one with probability equal to the fraction, so the expected rate is exactly `probability`), at
// least one, at most max_predictions when that is > 0. [PAD], [CLS], [SEP] and [MASK] are never
// selected. Strategies:
//   token       uniform random positions;
//   whole_word  whole words (a word-start piece and the continuation pieces after it) in random
//               order while they fit the budget; a word is never split;
//   span        SpanBERT: span lengths from a geometric distribution (p = span_p) truncated to
//               [1, span_max] and renormalised (mean 3.8 for 0.2 / 10), each span starting at a
//               random unselected unit, until the budget is reached. Units are whole words when a
//               word-start table is given, else tokens.
// Of the selected positions, each independently: with probability `mask` -> [MASK], with `random`
// -> a uniform id among the vocabulary's non-special ids, else unchanged. The label is the original
// token at every selected position and kIgnoreLabel elsewhere.
#pragma once

#include <cstdint>
#include <vector>

#include "config/config.h"
#include "tokenizer/specials.h"

namespace bertforge {

class Rng;

// Per-thread work buffers, reused between examples (no allocation once warm).
struct MaskScratch {
  std::vector<int32_t> candidates;
  std::vector<int32_t> unit_start;  // first position of each unit (word or token)
  std::vector<int32_t> unit_end;
  std::vector<int32_t> order;     // shuffled unit indices
  std::vector<uint8_t> selected;  // per position
};

class Masker {
 public:
  enum class Strategy { kToken, kWholeWord, kSpan };

  // `word_start` (per id) is required for whole_word and optional for span. Throws ConfigError for
  // an unknown strategy, inconsistent fractions or a missing word-start table.
  // `specials` names the ids never selected and never drawn as a replacement.
  Masker(const MaskingConfig& config, int vocab_size, std::vector<uint8_t> word_start,
         SpecialIds specials = {});

  // Masks ids[0, len) in place and writes labels[0, len). Returns the number of selected positions.
  int mask(int32_t* ids, int32_t* labels, int len, Rng& rng, MaskScratch& scratch) const;

  // One span length: P(l) = p (1-p)^(l-1) / (1 - (1-p)^span_max) for l in [1, span_max].
  int sample_span_length(Rng& rng) const;

  Strategy strategy() const { return strategy_; }

 private:
  // Number of positions to select among `num_candidates`.
  int budget(int num_candidates, Rng& rng) const;
  // Fills unit_start/unit_end from the candidates: words (when `words`) or single tokens.
  void build_units(const int32_t* ids, bool words, MaskScratch& s) const;
  int select_token(int n_select, Rng& rng, MaskScratch& s) const;
  int select_whole_word(int n_select, Rng& rng, MaskScratch& s) const;
  int select_span(int n_select, Rng& rng, MaskScratch& s) const;

  MaskingConfig config_;
  Strategy strategy_;
  int vocab_size_;
  std::vector<uint8_t> word_start_;
  SpecialIds specials_;
  double span_log_q_ = 0;      // log(1 - span_p)
  double span_tail_mass_ = 0;  // 1 - (1 - span_p)^span_max
};

}  // namespace bertforge
