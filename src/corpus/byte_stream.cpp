#include "corpus/byte_stream.h"

#include <zlib.h>
#include <zstd.h>

#include <cerrno>
#include <cstring>

#include "errors/errors.h"

namespace bertforge {

namespace {
constexpr size_t kInBlock = 1 << 20;  // compressed bytes per fread
}  // namespace

struct ByteStream::Gzip {
  z_stream z{};
  bool member_done = false;  // the last inflate ended a gzip member
  Gzip() {
    if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK) throw RuntimeError("zlib: out of memory");
  }
  ~Gzip() { inflateEnd(&z); }
};

struct ByteStream::Zstd {
  ZSTD_DCtx* d = ZSTD_createDCtx();
  bool in_frame = false;  // input of a frame was consumed and the frame is not complete yet
  Zstd() {
    if (!d) throw RuntimeError("zstd: out of memory");
  }
  ~Zstd() { ZSTD_freeDCtx(d); }
};

const char* codec_name(Codec c) {
  switch (c) {
    case Codec::kGzip:
      return "gzip";
    case Codec::kZstd:
      return "zstd";
    default:
      return "plain";
  }
}

Codec detect_codec(const unsigned char* head, size_t n) {
  if (n >= 2 && head[0] == 0x1f && head[1] == 0x8b) return Codec::kGzip;
  if (n >= 4 && head[0] == 0x28 && head[1] == 0xb5 && head[2] == 0x2f && head[3] == 0xfd)
    return Codec::kZstd;
  return Codec::kPlain;
}

ByteStream::ByteStream(const std::string& path) : path_(path) {
  file_ = std::fopen(path.c_str(), "rb");
  if (!file_) throw InputError(path, 0, std::string("cannot open file: ") + std::strerror(errno));
  in_.resize(kInBlock);
  fill(1);
  codec_ = detect_codec(in_.data(), in_end_);
  if (codec_ == Codec::kGzip) gz_ = std::make_unique<Gzip>();
  if (codec_ == Codec::kZstd) zs_ = std::make_unique<Zstd>();
}

ByteStream::~ByteStream() {
  if (file_) std::fclose(file_);
}

bool ByteStream::fill(long line) {
  if (file_eof_) return false;
  const size_t got = std::fread(in_.data(), 1, in_.size(), file_);
  if (got == 0) {
    if (std::ferror(file_))
      throw InputError(path_, line, std::string("read error: ") + std::strerror(errno));
    file_eof_ = true;
    return false;
  }
  in_pos_ = 0;
  in_end_ = got;
  file_read_ += static_cast<int64_t>(got);
  return true;
}

void ByteStream::corrupt(const std::string& what, long line) const {
  throw InputError(path_, line,
                   std::string("corrupt ") + codec_name(codec_) + " stream at compressed byte " +
                       std::to_string(file_pos()) + ": " + what);
}

void ByteStream::truncated(long line) const {
  throw InputError(path_, line,
                   std::string("truncated ") + codec_name(codec_) +
                       " stream: the file ends inside compressed data at byte " +
                       std::to_string(file_pos()),
                   "the file was cut short (an interrupted download or copy?)");
}

size_t ByteStream::read(char* out, size_t n, long line) {
  if (stream_end_ || n == 0) return 0;
  switch (codec_) {
    case Codec::kGzip:
      return read_gzip(out, n, line);
    case Codec::kZstd:
      return read_zstd(out, n, line);
    default:
      return read_plain(out, n, line);
  }
}

size_t ByteStream::read_plain(char* out, size_t n, long line) {
  if (in_pos_ < in_end_) {  // the first block, read to recognise the codec
    const size_t k = std::min(n, in_end_ - in_pos_);
    std::memcpy(out, in_.data() + in_pos_, k);
    in_pos_ += k;
    return k;
  }
  if (file_eof_) return 0;
  const size_t got = std::fread(out, 1, n, file_);
  if (got == 0) {
    if (std::ferror(file_))
      throw InputError(path_, line, std::string("read error: ") + std::strerror(errno));
    file_eof_ = stream_end_ = true;
  }
  file_read_ += static_cast<int64_t>(got);
  return got;
}

size_t ByteStream::read_gzip(char* out, size_t n, long line) {
  z_stream& z = gz_->z;
  for (;;) {
    if (in_pos_ == in_end_) fill(line);
    if (gz_->member_done) {
      if (in_pos_ == in_end_) {  // the last member ended with the file
        stream_end_ = true;
        return 0;
      }
      inflateReset(&z);  // another member follows (pigz, bgzip, cat a.gz b.gz)
      gz_->member_done = false;
    }
    z.next_in = in_.data() + in_pos_;
    z.avail_in = static_cast<uInt>(in_end_ - in_pos_);
    z.next_out = reinterpret_cast<Bytef*>(out);
    z.avail_out = static_cast<uInt>(std::min<size_t>(n, 1u << 30));
    const uInt room = z.avail_out;
    const int rc = inflate(&z, Z_NO_FLUSH);
    in_pos_ = in_end_ - z.avail_in;
    const size_t got = room - z.avail_out;
    if (rc == Z_STREAM_END) {
      gz_->member_done = true;
    } else if (rc == Z_BUF_ERROR) {  // no progress possible: needs input
      if (got == 0 && in_pos_ == in_end_ && file_eof_) truncated(line);
    } else if (rc != Z_OK) {
      corrupt(z.msg ? z.msg : "inflate error " + std::to_string(rc), line);
    }
    if (got > 0) return got;
    if (rc == Z_OK && in_pos_ == in_end_ && file_eof_) truncated(line);
  }
}

size_t ByteStream::read_zstd(char* out, size_t n, long line) {
  for (;;) {
    if (in_pos_ == in_end_) fill(line);
    ZSTD_inBuffer in{in_.data(), in_end_, in_pos_};
    ZSTD_outBuffer o{out, n, 0};
    const size_t r = ZSTD_decompressStream(zs_->d, &o, &in);
    if (ZSTD_isError(r)) corrupt(ZSTD_getErrorName(r), line);
    const bool progress = in.pos != in_pos_ || o.pos > 0;
    // r == 0: a frame ended (after the call the decoder waits for the next frame's header).
    if (r == 0)
      zs_->in_frame = false;
    else if (in.pos != in_pos_)
      zs_->in_frame = true;
    in_pos_ = in.pos;
    if (o.pos > 0) return o.pos;
    if (in_pos_ == in_end_ && file_eof_) {
      if (zs_->in_frame) truncated(line);  // the file ends inside a frame
      stream_end_ = true;
      return 0;
    }
    if (!progress && in_pos_ < in_end_) corrupt("the decoder made no progress", line);
  }
}

}  // namespace bertforge
