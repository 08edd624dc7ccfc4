// The end of a BERT sub-layer before its LayerNorm, z = dropout(x + b) + residual, for a bf16 GEMM
// output x (rows x cols), an fp32 bias b (cols) and an fp32 residual, in one pass each way, for
// the CPU. LibTorch's ops made five passes over (tokens, hidden) forward (the bias written into the
// GEMM's output, the dropout mask made, the product, the residual add with a conversion of x to
// fp32) and three backward plus the bias's column sums; here the mask is hashed on the fly from
// the key (kernels/counter_hash.h: the same mask model/dropout.h makes for that key) and nothing is
// stored for the backward but the key.
//
// Element i = r * cols + j (the flat index) is kept when mask.keeps(i), then scaled by mask.scale.
// Torch-free: raw pointers.
#pragma once

#include <cstdint>

#include "kernels/counter_hash.h"
#include "kernels/isa.h"

namespace bertforge::kernels {

// Rows [begin, end): z = (bf16 x + bias) * mask + residual in fp32; `bias` may be null.
void bias_dropout_residual_forward(const uint16_t* x, const float* bias, const float* residual,
                                   int64_t cols, int64_t begin, int64_t end,
                                   const DropoutMask& mask, float* z, Isa isa = Isa::kBest);

// Rows [begin, end): dx = bf16(dz * mask) and, when `dbias` is not null, dbias[j] += the fp32
// dz * mask summed over the rows in order. (The residual's gradient is dz itself.)
void bias_dropout_residual_backward(const float* dz, int64_t cols, int64_t begin, int64_t end,
                                    const DropoutMask& mask, uint16_t* dx, float* dbias,
                                    Isa isa = Isa::kBest);

}  // namespace bertforge::kernels
