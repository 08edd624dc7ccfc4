// Helpers the kernel tests share: the implementations this CPU can run, and a bf16 closeness check.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <vector>

#include "kernels/bf16.h"
#include "kernels/isa.h"

namespace bertforge::kernels {

// The scalar path always, the AVX-512 one where the CPU has it.
inline std::vector<Isa> isas() {
  std::vector<Isa> out{Isa::kScalar};
  if (cpu_has_avx512()) out.push_back(Isa::kAvx512);
  return out;
}

// |got - want| within one bf16 rounding of want (a step of 2^-8 relative), plus `abs`.
inline void expect_bf16_near(uint16_t got, double want, double abs, const char* what, int64_t i) {
  ASSERT_LE(std::abs(bf16_to_float(got) - want), std::abs(want) / 256 * 1.01 + abs)
      << what << " at " << i << ": got " << bf16_to_float(got) << ", want " << want;
}

}  // namespace bertforge::kernels
