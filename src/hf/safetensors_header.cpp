#include "hf/safetensors_header.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <limits>
#include <nlohmann/json.hpp>

#include "errors/errors.h"

namespace bertforge {
using json = nlohmann::json;

namespace {

InputError invalid(const std::string& path, const std::string& what) {
  return InputError(path, 0, "not a valid safetensors file: " + what);
}

// A JSON integer >= 0 (nlohmann parses those as unsigned; a negative one is number_integer).
bool is_count(const json& v) { return v.is_number_unsigned(); }

std::vector<int64_t> read_shape(const json& shape, const std::string& name,
                                const std::string& path) {
  if (!shape.is_array()) throw invalid(path, name + ": shape is not a list");
  std::vector<int64_t> out;
  for (const json& d : shape) {
    if (!is_count(d) || d.get<uint64_t>() > uint64_t(std::numeric_limits<int64_t>::max()))
      throw invalid(path, name + ": shape " + shape.dump() + " is not a list of sizes >= 0");
    out.push_back(static_cast<int64_t>(d.get<uint64_t>()));
  }
  return out;
}

// Checks product(shape) x element size == end - begin, without overflow: a product beyond the
// data section can never match.
void check_size(const SafetensorsEntry& e, uint64_t data_size, const std::string& path) {
  const uint64_t element = safetensors_element_size(e.dtype);
  uint64_t numel = 1;
  bool empty = false;
  for (int64_t d : e.shape) empty = empty || d == 0;
  if (!empty) {
    const uint64_t limit = data_size / element;
    for (int64_t d : e.shape) {
      if (numel > limit / static_cast<uint64_t>(d))
        throw invalid(path, e.name + ": shape is larger than the data section");
      numel *= static_cast<uint64_t>(d);
    }
  }
  if (empty) numel = 0;
  if (numel * element != e.end - e.begin)
    throw invalid(path, e.name + ": shape does not match its byte size (" +
                            std::to_string(numel * element) + " bytes for " +
                            std::to_string(e.end - e.begin) + ")");
}

SafetensorsEntry read_entry(const std::string& name, const json& info, uint64_t data_size,
                            const std::string& path) {
  if (!info.is_object()) throw invalid(path, name + ": not an object");
  SafetensorsEntry e;
  e.name = name;
  const auto dtype = info.find("dtype"), shape = info.find("shape"),
             offsets = info.find("data_offsets");
  if (dtype == info.end() || shape == info.end() || offsets == info.end())
    throw invalid(path, name + ": lacks dtype, shape or data_offsets");
  if (!dtype->is_string() || safetensors_element_size(dtype->get<std::string>()) == 0)
    throw invalid(path, name + ": unsupported dtype " + dtype->dump() +
                            " (expected F32 BF16 F16 I64 I32 U8 BOOL)");
  e.dtype = dtype->get<std::string>();
  e.shape = read_shape(*shape, name, path);
  if (!offsets->is_array() || offsets->size() != 2 || !is_count((*offsets)[0]) ||
      !is_count((*offsets)[1]))
    throw invalid(path, name + ": data_offsets is not [begin, end]");
  e.begin = (*offsets)[0].get<uint64_t>();
  e.end = (*offsets)[1].get<uint64_t>();
  if (e.end < e.begin || e.end > data_size)
    throw invalid(path, name + ": data offsets [" + std::to_string(e.begin) + ", " +
                            std::to_string(e.end) + "] beyond the data section of " +
                            std::to_string(data_size) + " bytes");
  check_size(e, data_size, path);
  return e;
}

}  // namespace

size_t safetensors_element_size(const std::string& dtype) {
  if (dtype == "F32" || dtype == "I32") return 4;
  if (dtype == "BF16" || dtype == "F16") return 2;
  if (dtype == "I64") return 8;
  if (dtype == "U8" || dtype == "BOOL") return 1;
  return 0;
}

uint64_t safetensors_header_size(const std::string& size_bytes, uint64_t file_size,
                                 const std::string& path) {
  if (size_bytes.size() < 8 || file_size < 8)
    throw invalid(path, "shorter than its 8-byte header size");
  uint64_t n = 0;
  for (int i = 0; i < 8; ++i) n |= uint64_t(static_cast<uint8_t>(size_bytes[i])) << (8 * i);
  if (n > file_size - 8)
    throw invalid(path, "header size " + std::to_string(n) + " beyond the file (" +
                            std::to_string(file_size) + " bytes)");
  if (n > kSafetensorsMaxHeader)
    throw invalid(path, "header size " + std::to_string(n) + " above the limit of " +
                            std::to_string(kSafetensorsMaxHeader) + " bytes");
  return n;
}

SafetensorsHeader parse_safetensors_header(const std::string& head, uint64_t file_size,
                                           const std::string& path) {
  const uint64_t n = safetensors_header_size(head, file_size, path);
  if (head.size() - 8 < n) throw invalid(path, "header truncated");
  SafetensorsHeader h;
  h.data_start = 8 + n;
  h.data_size = file_size - h.data_start;
  json header;
  try {
    header = json::parse(head.begin() + 8, head.begin() + 8 + static_cast<std::ptrdiff_t>(n));
  } catch (const json::exception& e) {
    throw invalid(path, std::string("header JSON: ") + e.what());
  }
  if (!header.is_object()) throw invalid(path, "the header is not a JSON object");
  for (const auto& [name, info] : header.items()) {
    if (name == "__metadata__") {
      if (!info.is_object()) throw invalid(path, "__metadata__ is not an object");
      continue;
    }
    h.entries.push_back(read_entry(name, info, h.data_size, path));
  }
  return h;
}

SafetensorsHeader read_safetensors_header(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw InputError(path, 0, std::string("cannot read file: ") + std::strerror(errno));
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  struct stat st;
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
    throw InputError(path, 0, "cannot read file: not a regular file");
  const uint64_t file_size = static_cast<uint64_t>(st.st_size);
  auto read_at = [&](char* dst, size_t n, uint64_t offset) {
    size_t done = 0;
    while (done < n) {
      const ssize_t r = ::pread(fd, dst + done, n - done, static_cast<off_t>(offset + done));
      if (r < 0 && errno == EINTR) continue;
      if (r <= 0) throw invalid(path, "header truncated (the file changed while read?)");
      done += static_cast<size_t>(r);
    }
  };
  std::string head(file_size < 8 ? file_size : 8, '\0');
  read_at(&head[0], head.size(), 0);
  const uint64_t n = safetensors_header_size(head, file_size, path);  // before allocating
  head.resize(8 + n);
  read_at(&head[8], n, 8);
  return parse_safetensors_header(head, file_size, path);
}

}  // namespace bertforge
