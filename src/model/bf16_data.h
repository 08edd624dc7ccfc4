// The raw bf16 bits of a contiguous bf16 tensor, for the torch-free kernels of src/kernels/ (which
// take uint16_t pointers).
#pragma once

#include <torch/torch.h>

#include <cstdint>

namespace bertforge {

inline uint16_t* bf16_data(const torch::Tensor& t) {
  return reinterpret_cast<uint16_t*>(t.data_ptr<at::BFloat16>());
}

}  // namespace bertforge
