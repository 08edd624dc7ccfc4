// Fuzz target: a corpus file as prepare and the tokenizer read it (ByteStream,
// src/corpus/byte_stream.h: plain, gzip or zstd recognised by content), in small and large reads,
// then the same file through CorpusReader as text. A refusal is a bertforge::Error; a plain file
// must come back byte for byte, else the target traps. At most 16 MiB of output is read (a small
// input may decompress to far more).
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "corpus/byte_stream.h"
#include "corpus/corpus_reader.h"
#include "errors/errors.h"
#include "fuzz_util.h"

namespace {
constexpr size_t kMaxOut = 16u << 20;

// Reads the stream in pieces of `piece` bytes; returns the bytes read (at most kMaxOut).
std::string drain(const std::string& path, size_t piece) {
  bertforge::ByteStream s(path);
  std::string out;
  std::vector<char> buf(piece);
  while (out.size() < kMaxOut) {
    const size_t n = s.read(buf.data(), buf.size(), 1);
    if (n == 0) break;
    if (n > piece) __builtin_trap();
    out.append(buf.data(), n);
  }
  if (s.file_pos() < 0) __builtin_trap();
  return out;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = bertforge::fuzz::scratch_dir("byte_stream") + "/corpus.bin";
  bertforge::fuzz::write_file(path, data, size);
  const bertforge::Codec codec = bertforge::detect_codec(data, size);
  try {
    const std::string small = drain(path, 13);
    const std::string large = drain(path, 1 << 20);
    if (small.size() < kMaxOut && large.size() < kMaxOut && small != large) __builtin_trap();
    if (codec == bertforge::Codec::kPlain &&
        (small.size() != size || std::memcmp(small.data(), data, size) != 0))
      __builtin_trap();
  } catch (const bertforge::Error&) {
  }
  if (size > (1u << 16)) return 0;  // the reader below reads everything
  try {
    bertforge::CorpusOptions options;
    options.replace_invalid_utf8 = true;
    bertforge::CorpusReader reader({path}, options);
    std::string_view s;
    uint64_t doc = 0, last = 0;
    while (reader.next(&s, &doc)) {
      if (s.empty() || doc < last) __builtin_trap();
      last = doc;
    }
  } catch (const bertforge::Error&) {
  }
  return 0;
}
