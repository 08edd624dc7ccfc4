// The SentencePiece tokenizer with bertforge's fixed specials, and the tokenizer stage.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace bertforge {

struct Config;

// Fixed ids in every model bertforge makes or adopts.
constexpr int kPadId = 0;
constexpr int kUnkId = 1;
constexpr int kClsId = 2;
constexpr int kSepId = 3;
constexpr int kMaskId = 4;
constexpr int kNumSpecials = 5;
extern const char* const kSpecialPieces[kNumSpecials];  // "[PAD]" ... "[MASK]"

class Tokenizer {
 public:
  // Loads a .model file; throws InputError if it cannot be read or lacks the specials at 0-4.
  static Tokenizer load(const std::string& model_path);
  // Same, from the serialized model bytes; `path` names the model in errors and path().
  static Tokenizer from_bytes(const std::string& bytes, const std::string& path);
  Tokenizer(Tokenizer&&) noexcept;
  Tokenizer& operator=(Tokenizer&&) noexcept;
  ~Tokenizer();

  // Encodes plain text into ids (no specials added). Thread-safe.
  std::vector<int> encode(std::string_view text) const;
  // Same, into `ids` (replaced), reusing its storage. Thread-safe.
  void encode_into(std::string_view text, std::vector<int>* ids) const;
  // Decodes ids into text (specials rendered as their pieces).
  std::string decode(const std::vector<int>& ids) const;
  std::string id_to_piece(int id) const;
  int piece_to_id(const std::string& piece) const;  // kUnkId when absent
  int vocab_size() const;
  // The piece's score in the model (log probability for unigram).
  float score(int id) const;
  // True when the piece starts a word (SentencePiece's U+2581 marker), for whole-word masking.
  // Specials and byte pieces count as word starts.
  bool is_word_start(int id) const;
  // Per-id word-start table (size vocab_size()).
  const std::vector<uint8_t>& word_start_table() const;
  // SHA-256 of the .model file's bytes.
  const std::string& checksum() const;
  const std::string& path() const;

 private:
  Tokenizer();
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// <run_dir>/tokenizer/ and the files in it.
std::string tokenizer_dir(const std::string& run_dir);
std::string tokenizer_model_path(const std::string& run_dir);  // .../tokenizer/spm.model
std::string tokenizer_info_path(const std::string& run_dir);   // .../tokenizer/tokenizer.json
// The checksum recorded by a complete tokenizer stage; throws InputError when there is none.
std::string read_tokenizer_checksum(const std::string& run_dir);

// The tokenizer stage: trains a model on data.train_files (or adopts tokenizer.model) into
// <run_dir>/tokenizer/ with a checksum file. Skips the work when the output is complete and
// matches the inputs. Returns true when it did work, false when skipped.
bool run_tokenizer_stage(const Config& config);

}  // namespace bertforge
