#include "train/safetensors.h"

#include <cstring>
#include <nlohmann/json.hpp>

#include "common/errors.h"
#include "common/fs.h"

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
  std::string bytes = fs::read_file(path);
  auto bad = [&](const std::string& what) {
    return InputError(path, 0, "not a valid safetensors file: " + what);
  };
  if (bytes.size() < 8) throw bad("shorter than its 8-byte header size");
  uint64_t hs = 0;
  for (int i = 0; i < 8; ++i) hs |= uint64_t(static_cast<uint8_t>(bytes[i])) << (8 * i);
  if (hs > bytes.size() - 8) throw bad("header size " + std::to_string(hs) + " beyond the file");
  json header;
  try {
    header = json::parse(bytes.substr(8, hs));
  } catch (const json::exception& e) {
    throw bad(std::string("header JSON: ") + e.what());
  }
  const uint64_t base = 8 + hs, data_size = bytes.size() - base;
  std::map<std::string, torch::Tensor> out;
  for (auto& [name, info] : header.items()) {
    if (name == "__metadata__") continue;
    std::string dtype = info.at("dtype");
    std::vector<int64_t> shape = info.at("shape");
    uint64_t begin = info.at("data_offsets")[0], end = info.at("data_offsets")[1];
    if (end < begin || end > data_size) throw bad(name + ": data offsets beyond the file");
    static const std::map<std::string, torch::ScalarType> kTypes = {
        {"F32", torch::kFloat32}, {"BF16", torch::kBFloat16}, {"F16", torch::kFloat16},
        {"I64", torch::kInt64},   {"I32", torch::kInt32},     {"U8", torch::kUInt8},
        {"BOOL", torch::kBool}};
    auto type = kTypes.find(dtype);
    if (type == kTypes.end()) throw bad(name + ": unsupported dtype " + dtype);
    const torch::ScalarType st = type->second;
    uint64_t numel = 1;  // checked against the byte size before anything is allocated
    for (auto d : shape) {
      if (d < 0 || (d > 0 && numel > data_size / static_cast<uint64_t>(d)))
        throw bad(name + ": shape does not match its byte size");
      numel *= static_cast<uint64_t>(d);
    }
    if (numel * torch::elementSize(st) != end - begin)
      throw bad(name + ": shape does not match its byte size");
    auto t = torch::empty(shape, torch::TensorOptions().dtype(st));
    std::memcpy(t.data_ptr(), bytes.data() + base + begin, end - begin);
    out[name] = t.is_floating_point() ? t.to(torch::kFloat32) : t;
  }
  return out;
}

}  // namespace bertforge
