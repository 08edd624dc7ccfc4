// Process-level runtime choices for the torch half: device selection, thread counts, autocast.
#pragma once

#include <torch/torch.h>

#include <memory>
#include <string>

namespace bertforge {

// cpu | cuda | auto (cuda when available). `local_rank` picks the GPU. Throws ConfigError when
// cuda is asked for but unavailable.
torch::Device select_device(const std::string& device, int local_rank = 0);
// Sets LibTorch's intra-op threads (0 = all cores) and returns the number used.
int configure_threads(int threads);

// True on an x86-64 CPU with AVX512-BF16 or AMX-BF16 instructions (cpuid), which oneDNN's bf16
// matmuls use.
bool cpu_has_bf16();
// train.precision as run on `device`: "fp32" or "bf16". "auto" is bf16 on CUDA and on CPUs where
// cpu_has_bf16() (where it measured faster at a loss within tolerance: README "Throughput"), else
// fp32.
std::string resolve_precision(const std::string& precision, const torch::Device& device);

// Enables bf16 autocast on `device` for its lifetime when `precision` resolves to bf16.
class AutocastGuard {
 public:
  AutocastGuard(const torch::Device& device, const std::string& precision);
  ~AutocastGuard();

 private:
  bool enabled_ = false;
  bool cuda_ = false;
};

}  // namespace bertforge
