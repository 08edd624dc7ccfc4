#include "data/masking.h"

#include <algorithm>
#include <cmath>

#include "data/batch.h"
#include "errors/errors.h"
#include "runtime/random.h"

namespace bertforge {
namespace {

Masker::Strategy parse_strategy(const std::string& s) {
  if (s == "token") return Masker::Strategy::kToken;
  if (s == "whole_word") return Masker::Strategy::kWholeWord;
  if (s == "span") return Masker::Strategy::kSpan;
  throw ConfigError("masking.strategy", "unknown strategy '" + s + "'",
                    "use token, whole_word or span");
}

}  // namespace

Masker::Masker(const MaskingConfig& config, int vocab_size, std::vector<uint8_t> word_start,
               SpecialIds specials)
    : config_(config),
      strategy_(parse_strategy(config.strategy)),
      vocab_size_(vocab_size),
      word_start_(std::move(word_start)),
      specials_(specials) {
  if (config.probability <= 0 || config.probability > 1)
    throw ConfigError("masking.probability",
                      "must be in (0, 1], got " + std::to_string(config.probability));
  if (config.mask < 0 || config.random < 0 || config.mask + config.random > 1 + 1e-12)
    throw ConfigError("masking.mask",
                      "masking.mask and masking.random must be >= 0 with a sum <= 1");
  if (config.random > 0 && vocab_size_ <= 5)
    throw ConfigError("masking.random",
                      "random replacement needs a vocabulary larger than the 5 specials");
  if (strategy_ == Strategy::kWholeWord && word_start_.empty())
    throw ConfigError("masking.strategy", "whole_word masking needs the tokenizer's word starts");
  if (config.span_p <= 0 || config.span_p > 1)
    throw ConfigError("masking.span_p", "must be in (0, 1]");
  if (config.span_max < 1) throw ConfigError("masking.span_max", "must be >= 1");
  span_log_q_ = std::log1p(-config.span_p);
  span_tail_mass_ = -std::expm1(span_log_q_ * config.span_max);
}

int Masker::sample_span_length(Rng& rng) const {
  // Inverse CDF of the truncated geometric: P(l <= k) = (1 - q^k) / (1 - q^max).
  const double u = rng.uniform();
  const double x = std::log1p(-u * span_tail_mass_) / span_log_q_;
  int l = 1 + static_cast<int>(std::floor(x));
  return std::min(std::max(l, 1), config_.span_max);
}

int Masker::budget(int num_candidates, Rng& rng) const {
  const double x = config_.probability * num_candidates;
  int n = static_cast<int>(std::floor(x));
  if (rng.uniform() < x - n) ++n;
  n = std::max(n, 1);
  if (config_.max_predictions > 0) n = std::min(n, config_.max_predictions);
  return std::min(n, num_candidates);
}

void Masker::build_units(const int32_t* ids, bool words, MaskScratch& s) const {
  s.unit_start.clear();
  s.unit_end.clear();
  int32_t prev = -2;
  for (int32_t p : s.candidates) {
    bool start = !words || p != prev + 1;
    if (!start) {
      const int32_t id = ids[p];
      start = static_cast<size_t>(id) >= word_start_.size() || word_start_[id] != 0;
    }
    if (start) {
      s.unit_start.push_back(p);
      s.unit_end.push_back(p + 1);
    } else {
      s.unit_end.back() = p + 1;
    }
    prev = p;
  }
}

int Masker::select_token(int n_select, Rng& rng, MaskScratch& s) const {
  // Partial Fisher-Yates over the candidate positions.
  const size_t n = s.candidates.size();
  for (int k = 0; k < n_select; ++k) {
    const size_t j = k + static_cast<size_t>(rng.below(n - k));
    std::swap(s.candidates[k], s.candidates[j]);
    s.selected[s.candidates[k]] = 1;
  }
  return n_select;
}

int Masker::select_whole_word(int n_select, Rng& rng, MaskScratch& s) const {
  const size_t units = s.unit_start.size();
  s.order.resize(units);
  for (size_t u = 0; u < units; ++u) s.order[u] = static_cast<int32_t>(u);
  int count = 0;
  for (size_t k = 0; k < units && count < n_select; ++k) {
    const size_t j = k + static_cast<size_t>(rng.below(units - k));
    std::swap(s.order[k], s.order[j]);
    const int32_t u = s.order[k];
    const int width = s.unit_end[u] - s.unit_start[u];
    if (count + width > n_select) continue;  // does not fit: never split a word
    std::fill(s.selected.begin() + s.unit_start[u], s.selected.begin() + s.unit_end[u], 1);
    count += width;
  }
  if (count == 0) {  // every word is longer than the budget: take one anyway (at least one)
    const int32_t u = s.order[0];
    std::fill(s.selected.begin() + s.unit_start[u], s.selected.begin() + s.unit_end[u], 1);
    count = s.unit_end[u] - s.unit_start[u];
  }
  return count;
}

int Masker::select_span(int n_select, Rng& rng, MaskScratch& s) const {
  const int units = static_cast<int>(s.unit_start.size());
  auto take = [&](int u) {
    std::fill(s.selected.begin() + s.unit_start[u], s.selected.begin() + s.unit_end[u], 1);
    return s.unit_end[u] - s.unit_start[u];
  };
  int count = 0;
  for (int attempts = 0; count < n_select && attempts < 10 * units + 100; ++attempts) {
    const int length = sample_span_length(rng);
    const int anchor = static_cast<int>(rng.below(static_cast<uint64_t>(units)));
    for (int u = anchor; u < units && u < anchor + length && count < n_select; ++u) {
      if (s.selected[s.unit_start[u]]) break;
      if (u > anchor && s.unit_start[u] != s.unit_end[u - 1]) break;  // a special in between
      count += take(u);  // a word may overshoot the budget by its remaining pieces
    }
  }
  for (int u = 0; u < units && count < n_select; ++u)  // only when sampling kept colliding
    if (!s.selected[s.unit_start[u]]) count += take(u);
  return count;
}

int Masker::mask(int32_t* ids, int32_t* labels, int len, Rng& rng, MaskScratch& s) const {
  std::fill(labels, labels + len, kIgnoreLabel);
  s.candidates.clear();
  for (int p = 0; p < len; ++p)
    if (!specials_.is_structural(ids[p])) s.candidates.push_back(p);
  if (s.candidates.empty()) return 0;
  s.selected.assign(static_cast<size_t>(len), 0);
  const int n_select = budget(static_cast<int>(s.candidates.size()), rng);
  int count = 0;
  switch (strategy_) {
    case Strategy::kToken:
      count = select_token(n_select, rng, s);
      break;
    case Strategy::kWholeWord:
      build_units(ids, true, s);
      count = select_whole_word(n_select, rng, s);
      break;
    case Strategy::kSpan:
      build_units(ids, !word_start_.empty(), s);
      count = select_span(n_select, rng, s);
      break;
  }
  const double p_mask = config_.mask, p_random = config_.mask + config_.random;
  const uint64_t random_range = static_cast<uint64_t>(std::max(vocab_size_ - 5, 1));
  for (int p = 0; p < len; ++p) {
    if (!s.selected[p]) continue;
    labels[p] = ids[p];
    const double u = rng.uniform();
    if (u < p_mask)
      ids[p] = specials_.mask;
    else if (u < p_random)
      ids[p] = specials_.nth_ordinary(static_cast<int32_t>(rng.below(random_range)));
  }
  return count;
}

}  // namespace bertforge
