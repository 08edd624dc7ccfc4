// SHA-256, used for the tokenizer checksum, shard checksums and checkpoint integrity; CRC-32C for
// the record framing of TensorBoard event files.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

struct evp_md_ctx_st;  // OpenSSL's EVP_MD_CTX

namespace bertforge {

// Streaming SHA-256 (libcrypto).
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  void update(const void* data, size_t n);
  void update(const std::string& s) { update(s.data(), s.size()); }
  // Lower-case hex digest; the object must not be updated afterwards.
  std::string hex_digest();

 private:
  ::evp_md_ctx_st* ctx_;
};

std::string sha256_hex(const std::string& data);
// Streams a file; throws InputError when it cannot be read.
std::string sha256_file(const std::string& path);

// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), continuing from `crc` (0 to start).
uint32_t crc32c(const void* data, size_t n, uint32_t crc = 0);

}  // namespace bertforge
