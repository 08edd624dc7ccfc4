// Which implementation of a CPU kernel runs (kernels/*.h): the AVX-512 one (AVX512F + BW + VL + DQ,
// checked once with cpuid) or the portable scalar one, which every build has and tests compare
// against.
#pragma once

namespace bertforge::kernels {

// kBest picks the first the CPU has; kAvx512 on a CPU without it runs the scalar path.
enum class Isa { kBest, kScalar, kAvx512 };

// True when the CPU (and this build: x86-64) can run Isa::kAvx512.
bool cpu_has_avx512();

// Whether a call asking for `isa` takes the AVX-512 path.
inline bool use_avx512(Isa isa) { return isa != Isa::kScalar && cpu_has_avx512(); }

}  // namespace bertforge::kernels
