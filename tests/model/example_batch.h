// A batch of made-up examples for the model tests (packed_forward_test, batch_parallel_test).
#pragma once

#include <algorithm>
#include <vector>

#include "data/batch.h"
#include "runtime/random.h"

namespace bertforge {

constexpr int32_t kExampleVocab = 60, kExamplePad = 0, kExampleCls = 2, kExampleSep = 3;

// Unpacked examples of `lengths` tokens ([CLS] ... [SEP] ... [SEP], types 0 then 1 after the
// first [SEP]), random ids and about three masked tokens in ten, drawn from `seed`.
inline Batch make_batch(const std::vector<int>& lengths, uint64_t seed) {
  Rng rng(seed);
  Batch b;
  b.batch_size = static_cast<int64_t>(lengths.size());
  for (int n : lengths) b.seq_len = std::max<int64_t>(b.seq_len, n);
  const auto total = static_cast<size_t>(b.batch_size * b.seq_len);
  b.input_ids.assign(total, kExamplePad), b.token_type_ids.assign(total, 0);
  b.attention_mask.assign(total, 0), b.mlm_labels.assign(total, kIgnoreLabel);
  for (size_t i = 0; i < lengths.size(); ++i) {
    const size_t row = i * static_cast<size_t>(b.seq_len);
    const int n = lengths[i], sep = n / 2;
    for (int p = 0; p < n; ++p) {
      int32_t id = static_cast<int32_t>(rng.range(5, kExampleVocab - 1));
      if (p == 0) id = kExampleCls;
      if (p == sep || p == n - 1) id = kExampleSep;
      b.input_ids[row + p] = id, b.attention_mask[row + p] = 1;
      b.token_type_ids[row + p] = p > sep ? 1 : 0;
      if (id != kExampleCls && id != kExampleSep && rng.uniform() < 0.3) {
        b.mlm_labels[row + p] = id, b.input_ids[row + p] = 4, ++b.num_masked;  // [MASK]
      }
    }
    b.nsp_labels.push_back(rng.uniform() < 0.5 ? kIsNext : kNotNext);
    b.example_ids.push_back(static_cast<int64_t>(i));
    b.num_real_tokens += n;
  }
  return b;
}

}  // namespace bertforge
