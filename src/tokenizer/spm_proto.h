// The parts of a SentencePiece model file (a serialized sentencepiece.ModelProto) that a
// HuggingFace tokenizer.json needs: the pieces with their scores and types, the model type, and the
// normalizer's flags and precompiled character map. A bounds-checked protobuf wire-format reader
// (SentencePiece's own library does not expose these), torch-free; tests/fuzz/spm_proto_fuzz.cpp
// fuzzes it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace bertforge {

struct SpmProto {
  // sentencepiece.ModelProto.SentencePiece.Type
  enum PieceType {
    kNormal = 1,
    kUnknown = 2,
    kControl = 3,
    kUserDefined = 4,
    kUnused = 5,
    kByte = 6
  };
  struct Piece {
    std::string piece;
    float score = 0;
    int type = kNormal;
  };
  std::vector<Piece> pieces;
  int model_type = 1;  // TrainerSpec.ModelType: 1 unigram, 2 BPE, 3 word, 4 char
  bool byte_fallback = false;
  // NormalizerSpec
  std::string normalizer_name;
  std::string precompiled_charsmap;
  bool add_dummy_prefix = true;
  bool remove_extra_whitespaces = true;
  bool escape_whitespaces = true;
};

// Parses `bytes`; throws InputError naming `path` when they are not a ModelProto (a field that runs
// past its end, a wire type protobuf does not have, no pieces).
SpmProto parse_spm_proto(const std::string& bytes, const std::string& path);

// `bytes` with the normalizer's precompiled character map left out (every other field as it is).
// bertforge applies the map itself, as `tokenizers` does (tokenizer/hf_precompiled.h), and hands
// SentencePiece the normalized text. Throws as parse_spm_proto.
std::string without_charsmap(const std::string& bytes, const std::string& path);

// The grid unigram scores are rounded to (2^-7): sums of a few thousand such scores are exact in
// both float and double, so SentencePiece (float sums) and HF tokenizers' Unigram (double sums)
// compare every Viterbi path alike and break ties alike.
constexpr float kSpmScoreGrid = 1.0f / 128;

// `bytes` with every piece's score rounded to the nearest multiple of kSpmScoreGrid, rewritten in
// place (a score is a fixed32: nothing else moves). Used on a freshly trained unigram model, so
// that its tokenizer.json export tokenizes as SentencePiece does. Throws as parse_spm_proto.
std::string round_spm_scores(std::string bytes, const std::string& path);

}  // namespace bertforge
