// The header of a safetensors file, read and checked without torch: 8-byte little-endian header
// size N, N bytes of JSON ({name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__":
// {...}}), then the data section (raw little-endian tensor bytes, offsets relative to its start).
// A file is hostile until checked: the header size is compared with the file's size (and a cap)
// before anything is allocated, and every entry is checked against the data section, so a reader
// may allocate each tensor and copy end - begin bytes without further checks.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace bertforge {

// Largest header accepted (the reference implementation's cap): a file claiming more is refused.
constexpr uint64_t kSafetensorsMaxHeader = 100'000'000;

// One tensor of the file: its dtype (F32 BF16 F16 I64 I32 U8 BOOL), shape and byte range
// [begin, end) inside the data section; (end - begin) = product(shape) x element size.
struct SafetensorsEntry {
  std::string name, dtype;
  std::vector<int64_t> shape;
  uint64_t begin = 0, end = 0;
};

struct SafetensorsHeader {
  uint64_t data_start = 0;                // file offset of the data section (8 + header size)
  uint64_t data_size = 0;                 // bytes of the data section (file size - data_start)
  std::vector<SafetensorsEntry> entries;  // in the header's (sorted by name) order
};

// Bytes per element of a supported dtype; 0 for any other string.
size_t safetensors_element_size(const std::string& dtype);

// The header size N of a file of `file_size` bytes whose first 8 bytes are `size_bytes`. Throws
// InputError(path, ...) when the file is shorter than 8 bytes, or N is beyond the file or above
// kSafetensorsMaxHeader.
uint64_t safetensors_header_size(const std::string& size_bytes, uint64_t file_size,
                                 const std::string& path);

// Parses the header of a file of `file_size` bytes; `head` holds at least its first 8 + N bytes
// (the whole file will do). Throws InputError(path, 0, "not a valid safetensors file: ...") for
// anything wrong, never another exception type (bar std::bad_alloc when memory is short for a
// header that fits the file and the cap).
SafetensorsHeader parse_safetensors_header(const std::string& head, uint64_t file_size,
                                           const std::string& path);

// Reads only the first 8 + N bytes of the file at `path` and parses them (as above). Throws
// InputError naming the path when it cannot be read or is not a valid safetensors file.
SafetensorsHeader read_safetensors_header(const std::string& path);

}  // namespace bertforge
