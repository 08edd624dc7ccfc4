// SHA-256, used for the tokenizer checksum, shard checksums and checkpoint integrity; CRC-32C for
// the record framing of TensorBoard event files.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace bertforge {

class Sha256 {
 public:
  Sha256();
  void update(const void* data, size_t n);
  void update(const std::string& s) { update(s.data(), s.size()); }
  // Lower-case hex digest; the object must not be updated afterwards.
  std::string hex_digest();

 private:
  void block(const uint8_t* p);
  uint32_t h_[8];
  uint8_t buf_[64];
  size_t buf_len_ = 0;
  uint64_t total_ = 0;
};

std::string sha256_hex(const std::string& data);
// Streams a file; throws InputError when it cannot be read.
std::string sha256_file(const std::string& path);

// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), continuing from `crc` (0 to start).
uint32_t crc32c(const void* data, size_t n, uint32_t crc = 0);

}  // namespace bertforge
