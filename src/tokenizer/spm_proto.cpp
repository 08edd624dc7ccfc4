#include "tokenizer/spm_proto.h"

#include <cmath>
#include <cstring>
#include <string_view>

#include "errors/errors.h"

namespace bertforge {
namespace {

// One message's fields, read in order.
class Wire {
 public:
  Wire(std::string_view bytes, const std::string& path) : b_(bytes), path_(path) {}
  bool done() const { return pos_ >= b_.size(); }
  size_t pos() const { return pos_; }
  // The next field's number and wire type.
  void next(uint32_t* field, int* type) {
    const uint64_t key = varint();
    *field = static_cast<uint32_t>(key >> 3);
    *type = static_cast<int>(key & 7);
  }
  uint64_t varint() {
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos_ >= b_.size()) fail("a varint runs past the end");
      const uint8_t c = static_cast<uint8_t>(b_[pos_++]);
      v |= uint64_t{c & 0x7fu} << shift;
      if (!(c & 0x80)) return v;
    }
    fail("a varint is longer than 10 bytes");
  }
  std::string_view bytes() {
    const uint64_t n = varint();
    if (n > b_.size() - pos_) fail("a field's length runs past the end");
    std::string_view out = b_.substr(pos_, n);
    pos_ += n;
    return out;
  }
  float fixed32() {
    if (b_.size() - pos_ < 4) fail("a fixed32 runs past the end");
    uint32_t u = 0;
    for (int i = 3; i >= 0; --i) u = (u << 8) | static_cast<uint8_t>(b_[pos_ + i]);
    pos_ += 4;
    float f;
    std::memcpy(&f, &u, 4);
    return f;
  }
  void skip(int type) {
    switch (type) {
      case 0:
        varint();
        return;
      case 1:
        advance(8);
        return;
      case 2:
        bytes();
        return;
      case 5:
        advance(4);
        return;
      default:
        fail("wire type " + std::to_string(type) + " is not protobuf's");
    }
  }
  [[noreturn]] void fail(const std::string& what) const {
    throw InputError(path_, 0, "not a SentencePiece model: " + what);
  }

 private:
  void advance(size_t n) {
    if (b_.size() - pos_ < n) fail("a fixed-size field runs past the end");
    pos_ += n;
  }
  std::string_view b_;
  size_t pos_ = 0;
  const std::string& path_;
};

SpmProto::Piece read_piece(std::string_view bytes, const std::string& path) {
  Wire w(bytes, path);
  SpmProto::Piece p;
  while (!w.done()) {
    uint32_t f;
    int t;
    w.next(&f, &t);
    if (f == 1 && t == 2)
      p.piece = std::string(w.bytes());
    else if (f == 2 && t == 5)
      p.score = w.fixed32();
    else if (f == 3 && t == 0)
      p.type = static_cast<int>(w.varint());
    else
      w.skip(t);
  }
  return p;
}

void read_trainer(std::string_view bytes, const std::string& path, SpmProto* out) {
  Wire w(bytes, path);
  while (!w.done()) {
    uint32_t f;
    int t;
    w.next(&f, &t);
    if (f == 3 && t == 0)
      out->model_type = static_cast<int>(w.varint());
    else if (f == 35 && t == 0)
      out->byte_fallback = w.varint() != 0;
    else
      w.skip(t);
  }
}

void read_normalizer(std::string_view bytes, const std::string& path, SpmProto* out) {
  Wire w(bytes, path);
  while (!w.done()) {
    uint32_t f;
    int t;
    w.next(&f, &t);
    if (f == 1 && t == 2)
      out->normalizer_name = std::string(w.bytes());
    else if (f == 2 && t == 2)
      out->precompiled_charsmap = std::string(w.bytes());
    else if (f == 3 && t == 0)
      out->add_dummy_prefix = w.varint() != 0;
    else if (f == 4 && t == 0)
      out->remove_extra_whitespaces = w.varint() != 0;
    else if (f == 5 && t == 0)
      out->escape_whitespaces = w.varint() != 0;
    else
      w.skip(t);
  }
}

// Rounds the score of the piece message that starts at `base` in *out.
void round_piece_score(std::string_view piece, size_t base, const std::string& path,
                       std::string* out) {
  Wire w(piece, path);
  while (!w.done()) {
    uint32_t f;
    int t;
    w.next(&f, &t);
    if (f != 2 || t != 5) {
      w.skip(t);
      continue;
    }
    const size_t at = base + w.pos();
    const float rounded = std::round(w.fixed32() / kSpmScoreGrid) * kSpmScoreGrid;
    uint32_t u;
    std::memcpy(&u, &rounded, 4);
    for (int i = 0; i < 4; ++i) (*out)[at + i] = static_cast<char>((u >> (8 * i)) & 0xff);
  }
}

}  // namespace

std::string round_spm_scores(std::string bytes, const std::string& path) {
  const std::string original = bytes;
  Wire w(original, path);
  bool pieces = false;
  while (!w.done()) {
    uint32_t f;
    int t;
    w.next(&f, &t);
    if (f == 1 && t == 2) {
      const std::string_view piece = w.bytes();
      round_piece_score(piece, static_cast<size_t>(piece.data() - original.data()), path, &bytes);
      pieces = true;
    } else {
      w.skip(t);
    }
  }
  if (!pieces) w.fail("no pieces");
  return bytes;
}

std::string without_charsmap(const std::string& bytes, const std::string& path) {
  auto append_varint = [](std::string* out, uint64_t v) {
    do {
      *out += static_cast<char>((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
      v >>= 7;
    } while (v);
  };
  std::string out;
  Wire w(bytes, path);
  while (!w.done()) {
    const size_t start = w.pos();
    uint32_t f;
    int t;
    w.next(&f, &t);
    if (f != 3 || t != 2) {
      w.skip(t);
      out.append(bytes, start, w.pos() - start);
      continue;
    }
    const std::string_view spec = w.bytes();
    std::string kept;
    Wire n(spec, path);
    while (!n.done()) {
      const size_t field_start = n.pos();
      uint32_t g;
      int u;
      n.next(&g, &u);
      n.skip(u);
      if (g != 2 || u != 2) kept.append(spec.substr(field_start, n.pos() - field_start));
    }
    append_varint(&out, (3u << 3) | 2);
    append_varint(&out, kept.size());
    out += kept;
  }
  return out;
}

SpmProto parse_spm_proto(const std::string& bytes, const std::string& path) {
  SpmProto out;
  Wire w(bytes, path);
  while (!w.done()) {
    uint32_t f;
    int t;
    w.next(&f, &t);
    if (f == 1 && t == 2)
      out.pieces.push_back(read_piece(w.bytes(), path));
    else if (f == 2 && t == 2)
      read_trainer(w.bytes(), path, &out);
    else if (f == 3 && t == 2)
      read_normalizer(w.bytes(), path, &out);
    else
      w.skip(t);
  }
  if (out.pieces.empty()) w.fail("no pieces");
  for (const auto& p : out.pieces)
    if (p.type == SpmProto::kByte) out.byte_fallback = true;
  return out;
}

}  // namespace bertforge
