// One AdamW step over a range of an fp32 parameter, for the CPU: optim/fused_adamw.h's loop. Each
// element is torch::optim::AdamW's ten tensor operations in their order, with separate multiplies
// and adds (no fused multiply-add), so the AVX-512 path (16 elements at a time; sqrt and division
// are correctly rounded in both) gives the scalar path's bits. Torch-free: raw pointers.
//
// Why a kernel: the loop is memory-bound (7 floats read or written per element), but GCC does not
// vectorise std::sqrt without -fno-math-errno, so the portable loop ran at ~7 GB/s here against
// ~12 GB/s of memcpy.
#pragma once

#include <cstdint>

#include "kernels/isa.h"

namespace bertforge::kernels {

// The step's scalars, rounded to float as LibTorch's CPU kernels round them.
struct AdamWScalars {
  float decay;  // 1 - lr * weight_decay
  float beta1, one_minus_beta1, beta2, one_minus_beta2;
  float sqrt_c2;  // sqrt(1 - beta2^step)
  float eps;
  float neg_step;  // -lr / (1 - beta1^step)
  bool decays;     // weight_decay != 0
};

// Elements [begin, end) of the weights w, gradients g and moments m, v (updated in place):
//   w *= decay (when decays); m = m * beta1 + (1 - beta1) * g; v = v * beta2 + (1 - beta2) * g * g;
//   w += neg_step * m / (sqrt(v) / sqrt_c2 + eps).
void adamw_update(float* w, const float* g, float* m, float* v, int64_t begin, int64_t end,
                  const AdamWScalars& s, Isa isa = Isa::kBest);

}  // namespace bertforge::kernels
