// The special-token layout of one segment and of two (a pair, or documents packed into one
// example), per architecture, in one place: every stage that builds a pair or a boundary takes it
// from here (data/example_builder: NSP pairs and packed rows; labelled/encode: text pairs), and the
// tokenizer.json export writes the same layout (hf/hf_export: TemplateProcessing).
//   bert, modernbert: [CLS] A [SEP]  and  [CLS] A [SEP] B [SEP], B [SEP] of token type 1
//   roberta:          <s> A </s>     and  <s> A </s></s> B </s>, one token type (0)
// (RoBERTa's <s> and </s> are the tokenizer's [CLS] and [SEP] roles: Tokenizer::specials().)
// Torch-free.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tokenizer/specials.h"

namespace bertforge {

struct PairTemplate {
  SpecialIds specials;
  int separators = 1;  // tokens between two segments: [SEP], or RoBERTa's </s></s>
  int32_t b_type = 1;  // token type of the second segment and the separators after the first

  // The layout of `architecture` (bert, roberta, modernbert); throws ConfigError for another name.
  static PairTemplate of(const std::string& architecture, const SpecialIds& specials);

  // Special tokens around one segment (2) and around two (2 + separators).
  int single_extra() const { return 2; }
  int pair_extra() const { return 2 + separators; }

  // Raw writers (the example builder's buffers); each returns the number of ids written.
  int open(int32_t* ids) const;      // [CLS]
  int boundary(int32_t* ids) const;  // the separators between two segments
  int close(int32_t* ids) const;     // the final [SEP]

  // [CLS] a [SEP], or with `b` (even empty) the pair; token types per the layout. Appends to *ids
  // and *types (which must be equally long).
  void encode(const std::vector<int>& a, const std::vector<int>* b, std::vector<int64_t>* ids,
              std::vector<int64_t>* types) const;
};

}  // namespace bertforge
