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

// Enables bf16 autocast on `device` for its lifetime when `precision` is "bf16".
class AutocastGuard {
 public:
  AutocastGuard(const torch::Device& device, const std::string& precision);
  ~AutocastGuard();

 private:
  bool enabled_ = false;
  bool cuda_ = false;
};

}  // namespace bertforge
