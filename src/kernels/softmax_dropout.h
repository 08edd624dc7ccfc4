// Attention's probabilities, P = softmax(S) along rows and P' = dropout(P), forward and backward,
// for bf16 scores on the CPU. LibTorch's ops made four passes forward (softmax, the mask made,
// the product, the mask kept for the backward) and two backward plus the mask's; here one kernel
// each way, the mask hashed on the fly from the key (kernels/counter_hash.h: the mask that
// model/dropout.h makes for the key, element i = r * cols + j). All arithmetic in fp32; outputs
// rounded to nearest-even bf16. Torch-free: raw pointers.
#pragma once

#include <cstdint>

#include "kernels/counter_hash.h"
#include "kernels/isa.h"

namespace bertforge::kernels {

// Rows [begin, end) of s (rows x cols, bf16): p = softmax(s row), and when `dropped` is not null,
// dropped = p * mask (from the fp32 p). A row of -inf or NaN gives NaN.
void softmax_dropout_forward(const uint16_t* s, int64_t cols, int64_t begin, int64_t end,
                             const DropoutMask& mask, uint16_t* p, uint16_t* dropped,
                             Isa isa = Isa::kBest);

// Rows [begin, end): with g = d_dropped * mask (or d_dropped itself when there was no dropout),
// ds = p * (g - sum_j g_j p_j), from the bf16 p of the forward.
void softmax_dropout_backward(const uint16_t* p, const uint16_t* d_dropped, int64_t cols,
                              int64_t begin, int64_t end, const DropoutMask& mask, uint16_t* ds,
                              Isa isa = Isa::kBest);

}  // namespace bertforge::kernels
