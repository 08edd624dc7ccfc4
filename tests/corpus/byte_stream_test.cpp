#include "corpus/byte_stream.h"

#include <gtest/gtest.h>

#include <string>

#include "data/compress_util.h"
#include "errors/errors.h"
#include "testutil.h"

namespace bertforge {
namespace {

using testing::gzip_bytes;
using testing::TempDir;
using testing::write_text;
using testing::zstd_bytes;

// Everything the stream yields, read in pieces of `piece` bytes.
std::string read_all(const std::string& path, size_t piece = 7) {
  ByteStream s(path);
  std::string out, buf(piece, '\0');
  while (size_t n = s.read(buf.data(), buf.size(), 1)) out.append(buf.data(), n);
  return out;
}

std::string error_of(const std::string& path) {
  try {
    read_all(path, 1 << 16);
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

// A text that compresses well but not trivially: numbered lines.
std::string sample(int lines) {
  std::string t;
  for (int i = 0; i < lines; ++i) t += "line " + std::to_string(i * 7919 % 1000) + " of the text\n";
  return t;
}

TEST(ByteStreamTest, RecognisesTheCodecByContentNotName) {
  TempDir tmp;
  const std::string text = sample(500);
  write_text(tmp.file("a.txt"), gzip_bytes(text));  // gzip under a plain name
  write_text(tmp.file("b.gz"), zstd_bytes(text));   // zstd under a gzip name
  write_text(tmp.file("c.zst"), text);              // plain under a zstd name
  EXPECT_EQ(ByteStream(tmp.file("a.txt")).codec(), Codec::kGzip);
  EXPECT_EQ(ByteStream(tmp.file("b.gz")).codec(), Codec::kZstd);
  EXPECT_EQ(ByteStream(tmp.file("c.zst")).codec(), Codec::kPlain);
  for (const char* f : {"a.txt", "b.gz", "c.zst"}) {
    EXPECT_EQ(read_all(tmp.file(f)), text) << f;
    EXPECT_EQ(read_all(tmp.file(f), 1 << 20), text) << f;
  }
}

TEST(ByteStreamTest, EmptyAndTinyFilesArePlain) {
  TempDir tmp;
  write_text(tmp.file("e"), "");
  write_text(tmp.file("one"), "\x1f");
  EXPECT_EQ(read_all(tmp.file("e")), "");
  EXPECT_EQ(read_all(tmp.file("one")), "\x1f");
  EXPECT_EQ(ByteStream(tmp.file("one")).codec(), Codec::kPlain);
}

TEST(ByteStreamTest, ConcatenatedMembersAndFramesAreOneStream) {
  TempDir tmp;
  const std::string a = sample(300), b = "second part\n", c = sample(20);
  write_text(tmp.file("m.gz"), gzip_bytes(a) + gzip_bytes(b) + gzip_bytes(c));
  write_text(tmp.file("m.zst"), zstd_bytes(a) + zstd_bytes(b) + zstd_bytes(c));
  EXPECT_EQ(read_all(tmp.file("m.gz")), a + b + c);
  EXPECT_EQ(read_all(tmp.file("m.zst")), a + b + c);
}

TEST(ByteStreamTest, LargerThanTheBuffersStreams) {
  TempDir tmp;
  const std::string text = sample(200000);  // ~4.5 MB: several input and output blocks
  write_text(tmp.file("big.gz"), gzip_bytes(text, 1));
  write_text(tmp.file("big.zst"), zstd_bytes(text, 1));
  EXPECT_EQ(read_all(tmp.file("big.gz"), 1 << 20), text);
  EXPECT_EQ(read_all(tmp.file("big.zst"), 1 << 20), text);
}

TEST(ByteStreamTest, TruncatedStreamsNameTheFileAndTheByte) {
  TempDir tmp;
  const std::string text = sample(2000);
  const std::string gz = gzip_bytes(text), zs = zstd_bytes(text);
  write_text(tmp.file("t.gz"), gz.substr(0, gz.size() / 2));
  write_text(tmp.file("t.zst"), zs.substr(0, zs.size() / 2));
  write_text(tmp.file("trailer.gz"), gz.substr(0, gz.size() - 3));  // CRC/size trailer cut
  const std::string e1 = error_of(tmp.file("t.gz"));
  EXPECT_NE(e1.find(tmp.file("t.gz")), std::string::npos) << e1;
  EXPECT_NE(e1.find("truncated gzip stream"), std::string::npos) << e1;
  EXPECT_NE(e1.find("at byte " + std::to_string(gz.size() / 2)), std::string::npos) << e1;
  const std::string e2 = error_of(tmp.file("t.zst"));
  EXPECT_NE(e2.find("truncated zstd stream"), std::string::npos) << e2;
  EXPECT_NE(error_of(tmp.file("trailer.gz")).find("truncated gzip"), std::string::npos);
}

TEST(ByteStreamTest, CorruptStreamsAreErrorsNotGarbage) {
  TempDir tmp;
  const std::string text = sample(2000);
  std::string gz = gzip_bytes(text), zs = zstd_bytes(text);
  gz[gz.size() / 2] ^= 0x5a;
  gz[gz.size() / 2 + 1] ^= 0xa5;
  zs[zs.size() / 2] ^= 0x5a;
  zs[zs.size() / 2 + 1] ^= 0xa5;
  write_text(tmp.file("c.gz"), gz);
  write_text(tmp.file("c.zst"), zs);
  // Trailing bytes that are not another member.
  write_text(tmp.file("tail.gz"), gzip_bytes(text) + "junk");
  for (const char* f : {"c.gz", "c.zst", "tail.gz"}) {
    const std::string e = error_of(tmp.file(f));
    EXPECT_NE(e.find(tmp.file(f)), std::string::npos) << f << ": " << e;
    EXPECT_TRUE(e.find("corrupt") != std::string::npos || e.find("truncated") != std::string::npos)
        << f << ": " << e;
  }
}

TEST(ByteStreamTest, MissingFileIsAnInputError) {
  EXPECT_THROW(ByteStream("/nonexistent/x.gz"), InputError);
}

}  // namespace
}  // namespace bertforge
