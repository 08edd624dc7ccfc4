// Fuzz target: the safetensors header parser (src/hf/safetensors_header.h), in memory and from
// a file as read_safetensors reads it. A refusal is a bertforge::Error; an accepted header must
// keep the promise read_safetensors relies on (every entry's bytes inside the file and of its
// shape's size), else the target traps. Anything else escaping is a finding.
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "errors/errors.h"
#include "fuzz_util.h"
#include "hf/safetensors_header.h"

namespace {

using bertforge::SafetensorsHeader;

void check(const SafetensorsHeader& h, const std::string& bytes) {
  if (h.data_start + h.data_size != bytes.size()) __builtin_trap();
  for (const auto& e : h.entries) {
    const size_t element = bertforge::safetensors_element_size(e.dtype);
    if (element == 0 || e.begin > e.end || e.end > h.data_size) __builtin_trap();
    uint64_t numel = 1;
    for (int64_t d : e.shape) {
      if (d < 0 || __builtin_mul_overflow(numel, static_cast<uint64_t>(d), &numel))
        __builtin_trap();
    }
    uint64_t n = 0;
    if (__builtin_mul_overflow(numel, element, &n) || n != e.end - e.begin) __builtin_trap();
    // What read_safetensors does with it: a buffer of that size, filled from the data section.
    std::vector<char> tensor(n);
    if (n) std::memcpy(tensor.data(), bytes.data() + h.data_start + e.begin, n);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  bool parsed = false;
  try {
    check(bertforge::parse_safetensors_header(bytes, bytes.size(), "fuzz.safetensors"), bytes);
    parsed = true;
  } catch (const bertforge::Error&) {
  }
  const std::string path = bertforge::fuzz::scratch_dir("safetensors") + "/model.safetensors";
  bertforge::fuzz::write_file(path, data, size);
  bool read = false;
  try {
    check(bertforge::read_safetensors_header(path), bytes);
    read = true;
  } catch (const bertforge::Error&) {
  }
  if (parsed != read) __builtin_trap();  // the file reader and the parser must agree
  return 0;
}
