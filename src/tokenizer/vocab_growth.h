// Domain vocabulary for a WordPiece tokenizer: growing it by whole words (tokenizer.add_tokens) and
// finding the words worth adding (`bertforge vocab-candidates`). Torch-free; the model side (the
// new rows' embeddings) is train/vocab_rows.h.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace bertforge {

class Tokenizer;

// The words of tokenizer.add_tokens: the list itself or, when it is a single existing file, the
// file's lines (trimmed; blank lines skipped).
std::vector<std::string> read_add_tokens(const std::vector<std::string>& add_tokens);

struct VocabGrowth {
  int into_unused = 0;  // words placed into [unused*] slots (the shape stays the model's)
  int appended = 0;     // words appended as new ids
  int already = 0;      // words the vocabulary had already (as the tokenizer normalises them)
};

// `tok` (a WordPiece tokenizer) with `words` added as whole-word pieces, each normalised as the
// tokenizer normalises text (lowercased, accents stripped when it does): the free [unused<N>]
// slots first, in id order, then appended ids. A word that the basic tokenizer splits (it holds
// punctuation or spaces) is refused. Throws ConfigError (tokenizer.add_tokens) for a
// SentencePiece tokenizer or such a word; `path` names the result.
Tokenizer grow_vocabulary(const Tokenizer& tok, const std::vector<std::string>& words,
                          const std::string& path, VocabGrowth* growth = nullptr);

// True when `grown` is `base` with words added as grow_vocabulary adds them: every id of `base`
// keeps its piece, or held an [unused<N>] piece.
bool is_grown_from(const Tokenizer& base, const Tokenizer& grown);

struct VocabCandidate {
  std::string word;
  int64_t count = 0;
  int pieces = 0;  // how many pieces the tokenizer splits it into
};

// Words of the corpus files (bertforge's text format, or JSON Lines for *.jsonl) that the
// tokenizer splits into more than one piece, ranked by the pieces adding each would save
// (count * (pieces - 1)); at most `top`. Words are the tokenizer's basic tokens (WordPiece) or
// space-separated words (SentencePiece).
std::vector<VocabCandidate> vocab_candidates(const Tokenizer& tok,
                                             const std::vector<std::string>& files, int top);

}  // namespace bertforge
