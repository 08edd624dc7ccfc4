// A corpus file as a stream of bytes: plain, gzip or zstd, recognised by the file's first bytes
// (gzip 1f 8b, zstd 28 b5 2f fd), whatever its name. Compressed input is decompressed as it is
// read, in fixed buffers, so memory stays flat in the file's size. Concatenated gzip members and
// zstd frames (pigz, bgzip, `cat a.zst b.zst`) are read as one stream. A read error, a corrupt
// stream or a file that ends inside compressed data is an InputError naming the file, the line the
// reader was at and the compressed byte where the stream broke.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

namespace bertforge {

enum class Codec { kPlain, kGzip, kZstd };
const char* codec_name(Codec c);  // "plain" | "gzip" | "zstd"
// The codec of a file starting with `head` (its first `n` bytes, n may be < 4).
Codec detect_codec(const unsigned char* head, size_t n);

class ByteStream {
 public:
  // Opens `path` and reads its first bytes to choose the codec. Throws InputError when the file
  // cannot be opened.
  explicit ByteStream(const std::string& path);
  ~ByteStream();
  ByteStream(const ByteStream&) = delete;
  ByteStream& operator=(const ByteStream&) = delete;

  // Reads up to `n` (> 0) decompressed bytes into `out`; returns 0 only at the end of the stream.
  // `line` (1-based, 0 = unknown) is where the caller is, for error messages.
  size_t read(char* out, size_t n, long line);

  Codec codec() const { return codec_; }
  // Bytes of the file consumed so far (compressed bytes for gzip/zstd; for progress).
  int64_t file_pos() const { return file_read_ - static_cast<int64_t>(in_end_ - in_pos_); }

 private:
  bool fill(long line);  // refills the input buffer; false at the end of the file
  size_t read_plain(char* out, size_t n, long line);
  size_t read_gzip(char* out, size_t n, long line);
  size_t read_zstd(char* out, size_t n, long line);
  [[noreturn]] void corrupt(const std::string& what, long line) const;
  [[noreturn]] void truncated(long line) const;

  std::string path_;
  std::FILE* file_ = nullptr;
  Codec codec_ = Codec::kPlain;
  std::vector<unsigned char> in_;  // input buffer: in_[in_pos_, in_end_) not yet decompressed
  size_t in_pos_ = 0, in_end_ = 0;
  bool file_eof_ = false, stream_end_ = false;
  int64_t file_read_ = 0;  // bytes of the file read into in_ so far
  struct Gzip;
  struct Zstd;
  std::unique_ptr<Gzip> gz_;
  std::unique_ptr<Zstd> zs_;
};

}  // namespace bertforge
