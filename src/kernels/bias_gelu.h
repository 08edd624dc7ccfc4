// GELU of a bf16 matrix plus an fp32 bias per column, y = gelu(x + b), forward and backward in one
// pass each, for the CPU. Under bf16 autocast a BERT feed-forward layer's `gelu(linear(x, w, b))`
// made four passes over its (tokens, intermediate) output besides the GEMM: the bias written into
// the output before the GEMM, GELU, GELU's backward, and the bias gradient's column sums; here the
// GEMM runs without bias and these functions make one pass forward (read x, write y) and one
// backward (read x and dy, write dx, add the column sums of dx into an fp32 accumulator).
//
// gelu(z) = z * Phi(z) (the exact, erf-based GELU: BERT's "gelu"), gelu'(z) = Phi(z) + z * phi(z),
// computed in fp32 from the bf16 inputs and rounded to nearest-even bf16. The scalar path takes
// Phi from std::erfc; the AVX-512 path from Abramowitz & Stegun 7.1.26 (|error| <= 1.5e-7 in Phi,
// far below bf16's step of 2^-8). Torch-free: raw pointers.
#pragma once

#include <cstdint>

#include "kernels/isa.h"

namespace bertforge::kernels {

// Rows [begin, end) of x (rows x cols, bf16, row-major): y = bf16(gelu(x + bias)); `bias` holds
// `cols` floats, or is null for none.
void bias_gelu_forward(const uint16_t* x, const float* bias, int64_t cols, int64_t begin,
                       int64_t end, uint16_t* y, Isa isa = Isa::kBest);

// Rows [begin, end): dx = bf16(dy * gelu'(x + bias)), and when `dbias` is not null, dbias[j] +=
// sum over the rows of the fp32 value of dx[r][j] before rounding, in row order.
void bias_gelu_backward(const uint16_t* x, const float* bias, const uint16_t* dy, int64_t cols,
                        int64_t begin, int64_t end, uint16_t* dx, float* dbias,
                        Isa isa = Isa::kBest);

}  // namespace bertforge::kernels
