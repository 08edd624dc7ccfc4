// Softmax cross-entropy over the rows of a logits matrix, for the CPU, in one pass per direction,
// reading fp32 or bf16 logits as they are (no fp32 copy of a bf16 matrix) and writing the
// gradient in the logits' own dtype. The MLM head's (M, V) logits are the step's largest
// elementwise tensor: under bf16 autocast LibTorch's path (convert to fp32, softmax, gather, log,
// amax; in the backward a scaled softmax, a scatter and a conversion back to bf16) made five passes
// over an fp32 copy of it; these functions make two reads of the bf16 rows forward (their max,
// then the sum of exponentials) and one read and one write backward.
//
// All arithmetic is in fp32: the maximum, exp(x - max) summed in order within a row (16 lanes of
// AVX-512 where the CPU has it, then lane by lane), lse = max + log(sum). A bf16 gradient is
// rounded to nearest-even from the fp32 value, as LibTorch converts. Rows are independent: callers
// split them over threads. Torch-free: raw pointers, so tests and other callers need no LibTorch.
#pragma once

#include <cstdint>

#include "kernels/isa.h"

namespace bertforge::kernels {

enum class LogitsType { kFloat32, kBFloat16 };

// Per row r in [begin, end) of `logits` (rows x cols, row-major, row stride `cols`):
//   lse[r] = log sum_j exp(x_rj), nll[r] = lse[r] - x_r,label[r],
//   label_is_max[r] = 1 when x_r,label[r] is the row's largest value (ties count), else 0.
// Every label must lie in [0, cols) (the caller checks). A row of -inf or NaN gives NaN values.
void cross_entropy_forward(const void* logits, LogitsType type, int64_t cols, const int64_t* labels,
                           int64_t begin, int64_t end, float* lse, float* nll,
                           uint8_t* label_is_max, Isa isa = Isa::kBest);

// Per row r in [begin, end): grad_r,j = (exp(x_rj - lse[r]) - [j == label[r]]) * scale, written
// to `grad` (same shape, same dtype as the logits); `lse` from cross_entropy_forward.
void cross_entropy_backward(const void* logits, LogitsType type, int64_t cols,
                            const int64_t* labels, const float* lse, float scale, int64_t begin,
                            int64_t end, void* grad, Isa isa = Isa::kBest);

}  // namespace bertforge::kernels
