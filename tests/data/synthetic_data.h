// Synthetic token data for the data-loader tests: documents of random sentences of random ids,
// written to shards and opened as a Dataset, plus a word-start table for whole-word masking.
#pragma once

#include <string>
#include <vector>

#include "data/dataset.h"
#include "data/shard.h"
#include "runtime/random.h"
#include "tokenizer/tokenizer.h"

namespace bertforge::testing {

constexpr int kSynthVocab = 1000;

using Docs = std::vector<std::vector<std::vector<int>>>;  // doc -> sentence -> ids

// Ids that are not multiples of 4 start a word; multiples of 4 continue the previous word.
inline bool synth_word_start(int id) { return id < kNumSpecials || id % 4 != 0; }

inline std::vector<uint8_t> synth_word_start_table() {
  std::vector<uint8_t> t(kSynthVocab);
  for (int id = 0; id < kSynthVocab; ++id) t[id] = synth_word_start(id) ? 1 : 0;
  return t;
}

// `num_docs` documents of [min_sent, max_sent] sentences of [min_len, max_len] ids in
// [kNumSpecials, kSynthVocab); every sentence starts with a word-start id.
inline Docs synth_docs(int num_docs, uint64_t seed, int min_sent = 1, int max_sent = 12,
                       int min_len = 3, int max_len = 30) {
  Rng rng(seed);
  Docs docs(num_docs);
  for (auto& d : docs) {
    d.resize(static_cast<size_t>(rng.range(min_sent, max_sent)));
    for (auto& s : d) {
      s.resize(static_cast<size_t>(rng.range(min_len, max_len)));
      for (auto& id : s) id = static_cast<int>(rng.range(kNumSpecials, kSynthVocab - 1));
      while (!synth_word_start(s[0]))
        s[0] = static_cast<int>(rng.range(kNumSpecials, kSynthVocab - 1));
    }
  }
  return docs;
}

// Writes the documents into `num_shards` shards under `dir` and opens them.
inline Dataset write_dataset(const std::string& dir, const Docs& docs, int num_shards = 2) {
  std::vector<std::string> paths;
  const size_t per = (docs.size() + num_shards - 1) / num_shards;
  for (int k = 0; k < num_shards; ++k) {
    ShardWriter w(kSynthVocab, std::string(64, 'a'));
    for (size_t d = k * per; d < std::min(docs.size(), (k + 1) * per); ++d) w.add_document(docs[d]);
    paths.push_back(dir + "/shard-" + std::to_string(k) + ".bin");
    w.write(paths.back());
  }
  return Dataset::from_shards(paths);
}

}  // namespace bertforge::testing
