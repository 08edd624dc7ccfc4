// tokenizer.json models: BPE (merges as "a b" strings or pairs; byte_fallback, ignore_merges,
// fuse_unk, continuing_subword_prefix, end_of_word_suffix), WordPiece and Unigram (Viterbi), each
// tokenizing one pre-token as the `tokenizers` library's model of that type does. A vocabulary or
// merge list that the library would refuse (a merge naming an unknown token, a repeated id) is a
// FormatError naming its JSON path. Torch-free.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "tokenizer/hf_json.h"

namespace bertforge::hf {

struct Token {
  int id;
  uint32_t start, end;  // byte offsets into the pre-token
};

// Token strings by id and the reverse map.
struct Vocab {
  std::vector<std::string> tokens;
  std::unordered_map<std::string, int> ids;
  int find(const std::string& s) const {
    auto it = ids.find(s);
    return it == ids.end() ? -1 : it->second;
  }
};

// The most tokens a vocabulary may have (a hostile file cannot make the reader allocate more).
constexpr int64_t kMaxVocab = 4'000'000;

class Model {
 public:
  virtual ~Model() = default;
  // Appends the tokens of one pre-token (non-empty) to `out`.
  virtual void tokenize(const std::string& s, std::vector<Token>* out) const = 0;
  const Vocab& vocab() const { return vocab_; }
  const std::string& type() const { return type_; }
  // WordPiece's continuing prefix ("##"), empty for the other models.
  const std::string& continuing_prefix() const { return prefix_; }
  int unk_id() const { return unk_id_; }

 protected:
  Vocab vocab_;
  std::string type_, prefix_;
  int unk_id_ = -1;
};

std::unique_ptr<Model> make_model(const json& j, const std::string& path);

// Reads {"token": id, ...} into `v` (ids unique, in [0, kMaxVocab)); gaps are allowed.
void read_vocab_map(const json& j, const std::string& path, Vocab* v);

std::unique_ptr<Model> make_bpe(const json& j, const std::string& path);

}  // namespace bertforge::hf
