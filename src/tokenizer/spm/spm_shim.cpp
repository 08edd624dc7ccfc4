// libbertforge_spm.so: the only code that includes SentencePiece's headers. See spm_library.h for
// why it is a separate shared library.
#include <sentencepiece_processor.h>
#include <sentencepiece_trainer.h>

#include "tokenizer/spm_library.h"

// Exported by libsentencepiece 0.1.97 but declared in its public header only from 0.1.99 on.
namespace sentencepiece {
void SetRandomGeneratorSeed(unsigned int seed);
}  // namespace sentencepiece

namespace bertforge::spm {
namespace {

class ProcessorModel : public Model {
 public:
  std::string load(const std::string& serialized) override {
    auto status = sp_.LoadFromSerializedProto(serialized);
    return status.ok() ? "" : std::string(status.message());
  }
  int piece_size() const override { return sp_.GetPieceSize(); }
  std::string id_to_piece(int id) const override { return sp_.IdToPiece(id); }
  int piece_to_id(const std::string& piece) const override { return sp_.PieceToId(piece); }
  float score(int id) const override { return sp_.GetScore(id); }
  int unk_id() const override { return sp_.unk_id(); }
  bool is_control(int id) const override { return sp_.IsControl(id); }
  bool is_unknown(int id) const override { return sp_.IsUnknown(id); }
  bool is_byte(int id) const override { return sp_.IsByte(id); }
  void encode(std::string_view text, std::vector<int>* ids) const override {
    sp_.Encode(text, ids).IgnoreError();
  }
  std::string decode(const std::vector<int>& ids) const override {
    std::string text;
    sp_.Decode(ids, &text).IgnoreError();
    return text;
  }

 private:
  sentencepiece::SentencePieceProcessor sp_;
};

class SourceIterator : public sentencepiece::SentenceIterator {
 public:
  explicit SourceIterator(SentenceSource* source) : source_(source) { Next(); }
  bool done() const override { return done_; }
  void Next() override {
    if (!done_) done_ = !source_->next(&value_);
  }
  const std::string& value() const override { return value_; }
  sentencepiece::util::Status status() const override {
    std::string e = source_->error();
    if (!e.empty())
      return sentencepiece::util::Status(sentencepiece::util::StatusCode::kDataLoss, e);
    return sentencepiece::util::Status();
  }

 private:
  SentenceSource* source_;
  std::string value_;
  bool done_ = false;
};

class SentencePieceLibrary : public Library {
 public:
  std::unique_ptr<Model> new_model() const override { return std::make_unique<ProcessorModel>(); }
  std::string train(const std::unordered_map<std::string, std::string>& args,
                    SentenceSource* source, unsigned seed, std::string* model) const override {
    sentencepiece::SetRandomGeneratorSeed(seed);
    SourceIterator it(source);
    auto status = sentencepiece::SentencePieceTrainer::Train(args, &it, model);
    return status.ok() ? "" : std::string(status.message());
  }
};

}  // namespace
}  // namespace bertforge::spm

extern "C" __attribute__((visibility("default"))) const bertforge::spm::Library*
bertforge_spm_library() {
  static const bertforge::spm::SentencePieceLibrary lib;
  return &lib;
}
