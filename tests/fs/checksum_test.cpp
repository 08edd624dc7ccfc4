#include "fs/checksum.h"

#include <gtest/gtest.h>

#include <string>

namespace bertforge {
namespace {

// FIPS 180-2 test vectors.
TEST(Checksum, Sha256KnownVectors) {
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  // Streaming in uneven pieces across the 64-byte block boundary gives the same digest.
  const std::string million_a(1000000, 'a');
  Sha256 h;
  for (size_t at = 0; at < million_a.size(); at += 997)
    h.update(million_a.data() + at, std::min<size_t>(997, million_a.size() - at));
  EXPECT_EQ(h.hex_digest(), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

// The CRC-32C check value (RFC 3720 / the Rocksoft model's "123456789") and continuation.
TEST(Checksum, Crc32c) {
  EXPECT_EQ(crc32c("", 0), 0u);
  EXPECT_EQ(crc32c("123456789", 9), 0xE3069283u);
  const uint32_t first = crc32c("12345", 5);
  EXPECT_EQ(crc32c("6789", 4, first), 0xE3069283u);
  // RFC 3720 B.4: 32 bytes of zeros.
  const std::string zeros(32, '\0');
  EXPECT_EQ(crc32c(zeros.data(), zeros.size()), 0x8A9136AAu);
}

}  // namespace
}  // namespace bertforge
