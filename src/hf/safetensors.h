// The safetensors format: 8-byte little-endian header size N, N bytes of JSON
// ({name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {...}}), then raw
// little-endian tensor bytes. Only what bertforge needs: F32 write; F32/BF16/F16 (and I64, I32,
// U8, BOOL, which HF files may hold as buffers) read.
#pragma once

#include <torch/torch.h>

#include <map>
#include <string>
#include <utility>
#include <vector>

namespace bertforge {

// Writes tensors (converted to contiguous fp32 on CPU) in the given order, atomically.
void write_safetensors(const std::string& path,
                       const std::vector<std::pair<std::string, torch::Tensor>>& tensors,
                       const std::map<std::string, std::string>& metadata = {});
// Reads every floating-point tensor as fp32, the others in their type. Throws InputError naming
// the file on any inconsistency.
std::map<std::string, torch::Tensor> read_safetensors(const std::string& path);

}  // namespace bertforge
