// The SentencePiece library, reached through a small shared library (libbertforge_spm.so) that is
// loaded with dlopen(RTLD_LOCAL | RTLD_DEEPBIND).
//
// Why: Debian's libsentencepiece embeds and exports its own protobuf 3.14, while LibTorch links the
// system protobuf 3.21. Linked into one executable, the two copies interpose each other's symbols
// and the process crashes at start-up. Loaded this way, SentencePiece binds to its own copy and
// nothing else sees it.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace bertforge::spm {

// One loaded SentencePiece model.
class Model {
 public:
  virtual ~Model() = default;
  // Loads a serialized model; returns "" or the error message.
  virtual std::string load(const std::string& serialized) = 0;
  virtual int piece_size() const = 0;
  virtual std::string id_to_piece(int id) const = 0;
  virtual int piece_to_id(const std::string& piece) const = 0;
  virtual float score(int id) const = 0;
  virtual int unk_id() const = 0;
  virtual bool is_control(int id) const = 0;
  virtual bool is_unknown(int id) const = 0;
  virtual bool is_byte(int id) const = 0;
  virtual void encode(std::string_view text, std::vector<int>* ids) const = 0;
  virtual std::string decode(const std::vector<int>& ids) const = 0;
};

// Sentences for the trainer.
class SentenceSource {
 public:
  virtual ~SentenceSource() = default;
  // Next sentence into *s; false at the end.
  virtual bool next(std::string* s) = 0;
  // A failure of the source ends training with this message ("" = none).
  virtual std::string error() const = 0;
};

class Library {
 public:
  virtual ~Library() = default;
  virtual std::unique_ptr<Model> new_model() const = 0;
  // Trains a model with SentencePieceTrainer arguments; returns "" or the error message.
  virtual std::string train(const std::unordered_map<std::string, std::string>& args,
                            SentenceSource* source, unsigned seed, std::string* model) const = 0;
};

// The library, loaded on first use. Throws RuntimeError when libbertforge_spm.so is not found.
const Library& library();

}  // namespace bertforge::spm
