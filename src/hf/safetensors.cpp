#include "hf/safetensors.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>

#include "errors/errors.h"
#include "fs/fs.h"
#include "hf/safetensors_header.h"

namespace bertforge {
using json = nlohmann::json;

void write_safetensors(const std::string& path,
                       const std::vector<std::pair<std::string, torch::Tensor>>& tensors,
                       const std::map<std::string, std::string>& metadata) {
  json header = json::object();
  if (!metadata.empty()) header["__metadata__"] = metadata;
  std::vector<torch::Tensor> data;
  uint64_t offset = 0;
  for (const auto& [name, t] : tensors) {
    auto c = t.detach().to(torch::kCPU, torch::kFloat32).contiguous();
    uint64_t n = static_cast<uint64_t>(c.numel()) * 4;
    header[name] = {
        {"dtype", "F32"}, {"shape", c.sizes().vec()}, {"data_offsets", {offset, offset + n}}};
    offset += n;
    data.push_back(c);
  }
  std::string h = header.dump();
  while ((8 + h.size()) % 8 != 0) h += ' ';  // align the data section to 8 bytes
  std::string out;
  out.reserve(8 + h.size() + offset);
  uint64_t hs = h.size();
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((hs >> (8 * i)) & 0xff));
  out += h;
  for (const auto& c : data) out.append(static_cast<const char*>(c.data_ptr()), c.numel() * 4);
  fs::write_file_atomic(path, out);  // x86-64 and aarch64 are little-endian, as is the format
}

std::map<std::string, torch::Tensor> read_safetensors(const std::string& path) {
  // The header is checked against the file's size before any tensor is allocated; each tensor is
  // then read straight into its storage (the file is never held in memory whole).
  const SafetensorsHeader header = read_safetensors_header(path);
  static const std::map<std::string, torch::ScalarType> kTypes = {
      {"F32", torch::kFloat32}, {"BF16", torch::kBFloat16}, {"F16", torch::kFloat16},
      {"I64", torch::kInt64},   {"I32", torch::kInt32},     {"U8", torch::kUInt8},
      {"BOOL", torch::kBool}};
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path, 0, std::string("cannot read file: ") + std::strerror(errno));
  std::map<std::string, torch::Tensor> out;
  for (const SafetensorsEntry& e : header.entries) {
    auto t = torch::empty(e.shape, torch::TensorOptions().dtype(kTypes.at(e.dtype)));
    const uint64_t n = e.end - e.begin;  // = t.nbytes(), checked by the header parser
    in.seekg(static_cast<std::streamoff>(header.data_start + e.begin));
    in.read(static_cast<char*>(t.data_ptr()), static_cast<std::streamsize>(n));
    if (!in || static_cast<uint64_t>(in.gcount()) != n)
      throw InputError(path, 0, "not a valid safetensors file: " + e.name + ": data truncated");
    out[e.name] = t.is_floating_point() ? t.to(torch::kFloat32) : t;
  }
  return out;
}

}  // namespace bertforge
