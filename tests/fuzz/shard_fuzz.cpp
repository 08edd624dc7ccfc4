// Fuzz target: a token shard as `evaluate --data SHARD` and the loader read it
// (Dataset::from_shards over ShardReader, src/data/shard.h), then every sentence of every document
// read back and the count baselines built from it (ContextCounts::build), as an evaluation does. A
// refusal is a bertforge::Error; an accepted shard must hold only ids inside its vocabulary, else
// the target traps. Anything else escaping (a read outside the mapping, UB) is a finding.
#include <cstdint>
#include <string>

#include "data/context_counts.h"
#include "data/dataset.h"
#include "errors/errors.h"
#include "fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = bertforge::fuzz::scratch_dir("shard") + "/train-00000.bin";
  bertforge::fuzz::write_file(path, data, size);
  try {
    const bertforge::Dataset ds = bertforge::Dataset::from_shards({path});
    uint64_t tokens = 0;
    for (uint64_t d = 0; d < ds.num_docs(); ++d) {
      for (uint64_t j = 0; j < ds.doc_num_sentences(d); ++j) {
        const bertforge::TokenSpan s = ds.sentence(d, j);
        for (uint32_t i = 0; i < s.size; ++i)
          if (s[i] < 0 || static_cast<uint32_t>(s[i]) >= ds.vocab_size()) __builtin_trap();
        tokens += s.size;
      }
    }
    if (tokens != ds.num_tokens()) __builtin_trap();
    const bertforge::ContextCounts cc = bertforge::ContextCounts::build(ds, 1024);
    for (int32_t prev = -1; prev <= cc.boundary() && prev < 64; ++prev)
      (void)cc.predict_bidirectional(prev, cc.boundary());
  } catch (const bertforge::Error&) {
  }
  return 0;
}
