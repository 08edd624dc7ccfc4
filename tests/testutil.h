// Shared test helpers: temporary directories and small generated corpora.
#pragma once

#include <cstdint>
#include <string>

namespace bertforge::testing {

// A fresh empty directory under the system temp dir, removed by the destructor.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// Writes a deterministic English-like corpus in bertforge's text format (sentence per line,
// blank line between documents): `docs` documents of 3..12 sentences drawn from a small grammar,
// so a model can learn it. `style` 0 = general, 1 = a different "domain" vocabulary.
void write_corpus(const std::string& path, int docs, uint64_t seed, int style = 0);
// Same documents as JSON Lines with a "text" field (sentences joined by newlines).
void write_corpus_jsonl(const std::string& path, int docs, uint64_t seed, int style = 0);
void write_text(const std::string& path, const std::string& text);
// Trains bertforge's default tokenizer (a 300-piece SentencePiece unigram model, nmt_nfkc rules)
// on write_corpus(docs, seed) in dir/run; returns the model's path.
std::string train_small_tokenizer(const TempDir& dir, int docs, uint64_t seed = 1);
std::string read_text(const std::string& path);

}  // namespace bertforge::testing
