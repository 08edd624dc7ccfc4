// The ids of a tokenizer's five special tokens, found by name. The SentencePiece models bertforge
// trains have them at 0-4 (the defaults here); an adopted WordPiece vocabulary has them wherever
// they are (bert-base-uncased: [PAD] 0, [UNK] 100, [CLS] 101, [SEP] 102, [MASK] 103). Every stage
// that writes or reads a special id takes it from here (Tokenizer::specials()), never a constant.
// Torch-free.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>

namespace bertforge {

struct SpecialIds {
  int32_t pad = 0, unk = 1, cls = 2, sep = 3, mask = 4;

  // [PAD] [CLS] [SEP] [MASK]: never selected for masking, never proposed by fill-mask.
  bool is_structural(int32_t id) const { return id == pad || id == cls || id == sep || id == mask; }
  bool is_special(int32_t id) const { return is_structural(id) || id == unk; }

  // The r-th id (0-based) of [0, vocab) that is not one of the five specials, for r in
  // [0, vocab - 5): the random replacement of masking draws r uniformly. With the specials at
  // 0-4 this is 5 + r.
  int32_t nth_ordinary(int32_t r) const {
    std::array<int32_t, 5> s{pad, unk, cls, sep, mask};
    std::sort(s.begin(), s.end());
    for (int32_t id : s)
      if (r >= id) ++r;
    return r;
  }
};

}  // namespace bertforge
