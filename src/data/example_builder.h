// The per-epoch example plan: which sentences of which documents make each training example.
//
// NSP mode (BERT, after Google's create_instances_from_document): every document is cut into chunks
// of contiguous sentences up to a target length (max_seq_len - 3, or with short_seq_prob a random
// shorter one); a chunk is split at a random sentence boundary into A and B. With probability 0.5 B
// is replaced by a segment of a *different* document (NotNext) and the chunk's unused sentences go
// back to the document for the next chunk. The longer side is trimmed, one token at a time from the
// front or the back at random, until the pair fits.
//
// Packed mode (RoBERTa FULL-SENTENCES, data.nsp = false): contiguous sentences packed up to
// max_seq_len - 2 tokens, crossing document boundaries with the layout's separator between
// documents ([SEP]; RoBERTa: </s></s>, as fairseq's extra separator at a document's end).
//
// The special tokens come from a PairTemplate (tokenizer/pair_template.h), the architecture's.
//
// The plan of epoch e is a pure function of (seed, e, data): the randomness of document d comes
// from Rng::derive(seed, {kPlanPurpose, e, d}). The plan stores sentence ranges, not tokens; tokens
// are materialised when a batch is built.
#pragma once

#include <cstdint>
#include <vector>

#include "config/config.h"
#include "tokenizer/pair_template.h"

namespace bertforge {

class Dataset;

// Tokens concat(sentences [first, last) of document `doc`)[skip, skip + len).
struct SegmentSpec {
  uint32_t doc = 0;
  uint32_t first = 0;
  uint32_t last = 0;
  uint32_t skip = 0;
  uint32_t len = 0;
};

// One example of the plan.
// NSP mode: [CLS] a [SEP] b [SEP], token types 0 for [CLS] a [SEP] and 1 for b [SEP].
// Packed mode: [CLS] a (B whole documents a.doc+1 .. b.doc-1 B b) [SEP], B the layout's boundary
//   ([SEP], or </s></s>), token types 0; when b.doc == a.doc the example is only `a` and b is
//   empty. a.skip = b.skip = 0.
struct ExampleSpec {
  SegmentSpec a;
  SegmentSpec b;
  int32_t nsp_label = 0;  // kIsNext / kNotNext; kIgnoreLabel when packed
  bool packed = false;
};

class ExampleBuilder {
 public:
  // With NSP and a single document (a tiny validation split), every pair is IsNext.
  // `layout` gives the special tokens of a pair and of a document boundary.
  ExampleBuilder(const Dataset& data, const DataConfig& config, uint64_t seed,
                 PairTemplate layout = {});

  // The examples of `epoch`, in document order.
  std::vector<ExampleSpec> plan(int64_t epoch) const;
  // The same over documents [begin, end) only (one named source): NotNext partners and packed
  // rows stay inside the range. plan(e) == plan(e, 0, num_docs).
  std::vector<ExampleSpec> plan(int64_t epoch, uint64_t begin, uint64_t end) const;

  // Writes the example's tokens and token types (at most max_seq_len each); returns its length.
  int materialize(const ExampleSpec& spec, int32_t* ids, int32_t* token_types) const;

  int max_seq_len() const { return max_seq_len_; }

 private:
  void plan_nsp_document(uint64_t doc, int64_t epoch, uint64_t begin, uint64_t end,
                         std::vector<ExampleSpec>* out, std::vector<uint32_t>* sizes) const;
  void plan_packed(uint64_t begin, uint64_t end, std::vector<ExampleSpec>* out) const;
  // Copies segment tokens into ids; returns the number written.
  int copy_segment(const SegmentSpec& s, int32_t* ids) const;

  const Dataset& data_;
  int max_seq_len_;
  double short_seq_prob_;
  bool nsp_;
  uint64_t seed_;
  PairTemplate layout_;
};

}  // namespace bertforge
