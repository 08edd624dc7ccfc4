#include "data/example_builder.h"

#include <algorithm>
#include <cstring>

#include "console/logging.h"
#include "data/batch.h"
#include "data/dataset.h"
#include "errors/errors.h"
#include "runtime/random.h"

namespace bertforge {
namespace {

constexpr uint64_t kPlanPurpose = 0x504c414e;  // "PLAN"

uint32_t sum_sizes(const std::vector<uint32_t>& sizes, uint32_t first, uint32_t last) {
  uint32_t total = 0;
  for (uint32_t j = first; j < last; ++j) total += sizes[j];
  return total;
}

// Google's truncate_seq_pair: removes one token at a time from the longer segment, from its front
// or its back at random, until the pair has at most `max_tokens` tokens.
void truncate_pair(SegmentSpec* a, SegmentSpec* b, uint32_t max_tokens, Rng& rng) {
  while (a->len + b->len > max_tokens) {
    SegmentSpec* longer = a->len > b->len ? a : b;
    if (rng.uniform() < 0.5) ++longer->skip;
    --longer->len;
  }
}

template <class T>
int copy_tokens(const T* src, uint32_t begin, uint32_t end, int32_t* dst) {
  for (uint32_t k = begin; k < end; ++k) dst[k - begin] = static_cast<int32_t>(src[k]);
  return static_cast<int>(end - begin);
}

int copy_span(const TokenSpan& span, uint32_t begin, uint32_t end, int32_t* dst) {
  if (span.wide) return copy_tokens(static_cast<const uint32_t*>(span.data), begin, end, dst);
  return copy_tokens(static_cast<const uint16_t*>(span.data), begin, end, dst);
}

}  // namespace

ExampleBuilder::ExampleBuilder(const Dataset& data, const DataConfig& config, uint64_t seed,
                               PairTemplate layout)
    : data_(data),
      max_seq_len_(config.max_seq_len),
      short_seq_prob_(config.short_seq_prob),
      nsp_(config.nsp),
      seed_(seed),
      layout_(layout) {
  if (max_seq_len_ < 8)
    throw ConfigError("data.max_seq_len", "must be >= 8, got " + std::to_string(max_seq_len_));
  if (nsp_ && data_.num_docs() == 1)
    log::warn(
        "the data has a single document: every NSP pair is IsNext (NotNext needs a second "
        "document)");
}

std::vector<ExampleSpec> ExampleBuilder::plan(int64_t epoch) const {
  return plan(epoch, 0, data_.num_docs());
}

std::vector<ExampleSpec> ExampleBuilder::plan(int64_t epoch, uint64_t begin, uint64_t end) const {
  std::vector<ExampleSpec> out;
  const uint64_t tokens = begin == 0 && end == data_.num_docs() ? data_.num_tokens() : 0;
  out.reserve(static_cast<size_t>(tokens / std::max(1, max_seq_len_ - layout_.pair_extra()) + 16));
  if (nsp_) {
    std::vector<uint32_t> sizes;
    for (uint64_t d = begin; d < end; ++d) plan_nsp_document(d, epoch, begin, end, &out, &sizes);
  } else {
    plan_packed(begin, end, &out);
  }
  return out;
}

void ExampleBuilder::plan_nsp_document(uint64_t doc, int64_t epoch, uint64_t begin_doc,
                                       uint64_t end_doc, std::vector<ExampleSpec>* out,
                                       std::vector<uint32_t>* sizes_buf) const {
  const uint32_t n = static_cast<uint32_t>(data_.doc_num_sentences(doc));
  std::vector<uint32_t>& sizes = *sizes_buf;
  sizes.resize(n);
  for (uint32_t j = 0; j < n; ++j) sizes[j] = data_.sentence(doc, j).size;
  Rng rng = Rng::derive(seed_, {kPlanPurpose, static_cast<uint64_t>(epoch), doc});
  const uint32_t max_tokens = static_cast<uint32_t>(max_seq_len_ - layout_.pair_extra());
  const uint32_t d32 = static_cast<uint32_t>(doc);

  uint32_t i = 0;
  while (i < n) {
    uint32_t target = max_tokens;
    if (rng.uniform() < short_seq_prob_) target = static_cast<uint32_t>(rng.range(2, max_tokens));
    const uint32_t begin = i;
    uint64_t chunk_len = 0;
    while (i < n) {
      chunk_len += sizes[i++];
      if (chunk_len >= target) break;
    }
    uint32_t end = i;
    const bool can_pair = end_doc - begin_doc >= 2;  // NotNext needs another document
    const bool is_next = rng.uniform() < 0.5 || !can_pair;
    // An IsNext pair needs two sentences: take the next one too when the chunk has only one.
    if (is_next && end - begin == 1 && end < n) i = ++end;

    ExampleSpec ex;
    const uint32_t a_end =
        end - begin >= 2 ? static_cast<uint32_t>(rng.range(begin + 1, end - 1)) : end;
    ex.a = {d32, begin, a_end, 0, sum_sizes(sizes, begin, a_end)};
    if (is_next && end - begin >= 2) {
      ex.b = {d32, a_end, end, 0, sum_sizes(sizes, a_end, end)};
      ex.nsp_label = kIsNext;
    } else if (is_next && sizes[begin] >= 2) {
      // A document's last (or only) sentence alone: B is the rest of the sentence after A.
      const uint32_t k = static_cast<uint32_t>(rng.range(1, sizes[begin] - 1));
      ex.a.len = k;
      ex.b = {d32, begin, begin + 1, k, sizes[begin] - k};
      ex.nsp_label = kIsNext;
    } else if (!can_pair) {
      continue;  // a one-token last sentence of the only document: no pair can be made
    } else {
      const uint32_t target_b = target > ex.a.len ? target - ex.a.len : 1;
      uint64_t other = begin_doc + rng.below(end_doc - begin_doc - 1);
      if (other >= doc) ++other;
      const uint32_t m = static_cast<uint32_t>(data_.doc_num_sentences(other));
      const uint32_t start = static_cast<uint32_t>(rng.below(m));
      uint32_t j = start, b_len = 0;
      while (j < m) {
        b_len += data_.sentence(other, j++).size;
        if (b_len >= target_b) break;
      }
      ex.b = {static_cast<uint32_t>(other), start, j, 0, b_len};
      ex.nsp_label = kNotNext;
      i = a_end;  // the chunk's unused sentences go back to the document
    }
    truncate_pair(&ex.a, &ex.b, max_tokens, rng);
    out->push_back(ex);
  }
}

void ExampleBuilder::plan_packed(uint64_t begin, uint64_t end,
                                 std::vector<ExampleSpec>* out) const {
  const uint32_t cap = static_cast<uint32_t>(max_seq_len_ - layout_.single_extra());
  const uint32_t boundary = static_cast<uint32_t>(layout_.separators);
  ExampleSpec cur;
  cur.packed = true;
  cur.nsp_label = kIgnoreLabel;
  uint32_t used = 0;  // tokens in `cur`, including the boundaries between documents
  auto emit = [&] {
    if (used > 0) out->push_back(cur);
    used = 0;
  };
  for (uint64_t d = begin; d < end; ++d) {
    const uint32_t n = static_cast<uint32_t>(data_.doc_num_sentences(d));
    const uint32_t d32 = static_cast<uint32_t>(d);
    for (uint32_t j = 0; j < n; ++j) {
      const uint32_t s = data_.sentence(d, j).size;
      const uint32_t sep = (used > 0 && j == 0) ? boundary : 0;
      if (used > 0 && used + sep + s > cap) emit();
      if (used == 0) {
        cur.a = {d32, j, j + 1, 0, std::min(s, cap)};  // a sentence longer than cap is cut
        cur.b = {d32, 0, 0, 0, 0};
        used = cur.a.len;
        if (s >= cap) emit();
        continue;
      }
      used += sep + s;
      if (d32 == cur.a.doc) {
        cur.a.last = j + 1;
        cur.a.len += s;
      } else if (d32 != cur.b.doc) {
        cur.b = {d32, 0, j + 1, 0, s};
      } else {
        cur.b.last = j + 1;
        cur.b.len += s;
      }
    }
  }
  emit();
}

int ExampleBuilder::copy_segment(const SegmentSpec& s, int32_t* ids) const {
  uint32_t skip = s.skip, left = s.len;
  int written = 0;
  for (uint32_t j = s.first; j < s.last && left > 0; ++j) {
    const TokenSpan span = data_.sentence(s.doc, j);
    if (skip >= span.size) {
      skip -= span.size;
      continue;
    }
    const uint32_t take = std::min(span.size - skip, left);
    written += copy_span(span, skip, skip + take, ids + written);
    left -= take;
    skip = 0;
  }
  return written;
}

int ExampleBuilder::materialize(const ExampleSpec& spec, int32_t* ids, int32_t* token_types) const {
  int p = layout_.open(ids);
  p += copy_segment(spec.a, ids + p);
  if (!spec.packed) {
    const int a_end = p + 1;  // A's first separator is A's; the rest of the boundary is B's
    p += layout_.boundary(ids + p);
    p += copy_segment(spec.b, ids + p);
    p += layout_.close(ids + p);
    std::fill(token_types, token_types + a_end, 0);
    std::fill(token_types + a_end, token_types + p, layout_.b_type);
    return p;
  }
  if (spec.b.doc > spec.a.doc) {
    p += layout_.boundary(ids + p);
    for (uint64_t d = uint64_t{spec.a.doc} + 1; d < spec.b.doc; ++d) {
      const uint64_t n = data_.doc_num_sentences(d);
      for (uint64_t j = 0; j < n; ++j) {
        const TokenSpan span = data_.sentence(d, j);
        p += copy_span(span, 0, span.size, ids + p);
      }
      p += layout_.boundary(ids + p);
    }
    p += copy_segment(spec.b, ids + p);
  }
  p += layout_.close(ids + p);
  std::fill(token_types, token_types + p, 0);
  return p;
}

}  // namespace bertforge
