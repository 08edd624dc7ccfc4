// ModernBERT's gated GELU with its dropout, y = dropout(gelu(a) * g) where [a | g] are the two
// halves of each row of a bf16 GEMM output h (rows x 2I), forward and backward in one pass each,
// for the CPU. LibTorch's ops made three passes forward (GELU, the product, the dropout's mask and
// product) and four backward; here one kernel each way, the mask hashed on the fly from the key
// (kernels/counter_hash.h: element i = r * I + j of y, the mask model/dropout.h makes for the key).
// gelu is the exact, erf-based one (kernels/gelu_math.h); arithmetic in fp32, outputs rounded to
// nearest-even bf16. Torch-free: raw pointers.
#pragma once

#include <cstdint>

#include "kernels/counter_hash.h"
#include "kernels/isa.h"

namespace bertforge::kernels {

// Rows [begin, end) of h (rows x 2 * inner): y (rows x inner) = gelu(a) * g * mask.
void geglu_forward(const uint16_t* h, int64_t inner, int64_t begin, int64_t end,
                   const DropoutMask& mask, uint16_t* y, Isa isa = Isa::kBest);

// Rows [begin, end): with e = dy * mask, dh = [e * g * gelu'(a) | e * gelu(a)] (rows x 2 * inner).
void geglu_backward(const uint16_t* h, const uint16_t* dy, int64_t inner, int64_t begin,
                    int64_t end, const DropoutMask& mask, uint16_t* dh, Isa isa = Isa::kBest);

}  // namespace bertforge::kernels
