#include "dist/runtime.h"

#include <ATen/autocast_mode.h>
#include <dlfcn.h>
#include <torch/version.h>

#include <cstdlib>

#include "common/config.h"
#include "common/errors.h"

namespace bertforge {

torch::Device select_device(const std::string& device, int local_rank) {
  if (device == "cpu") return torch::kCPU;
  bool cuda = torch::cuda::is_available();
  if (device == "auto" && !cuda) return torch::kCPU;
  if (!cuda)
    throw ConfigError("train.device", "cuda requested but no CUDA device is available",
                      "use train.device=cpu or auto");
  int n = static_cast<int>(torch::cuda::device_count());
  return torch::Device(torch::kCUDA, static_cast<c10::DeviceIndex>(local_rank % std::max(1, n)));
}

int configure_threads(int threads) {
  int n = resolve_threads(threads);
  torch::set_num_threads(n);
  // LibTorch hands matrix products to the system BLAS, whose own thread pool ignores the line
  // above: OpenBLAS would use every core in each rank. Cap it the same way, unless the user set it.
  if (!std::getenv("OPENBLAS_NUM_THREADS")) {
    using SetThreads = void (*)(int);
    if (auto set = reinterpret_cast<SetThreads>(::dlsym(RTLD_DEFAULT, "openblas_set_num_threads")))
      set(n);
  }
  return n;
}

AutocastGuard::AutocastGuard(const torch::Device& device, const std::string& precision) {
  if (precision != "bf16") return;
  enabled_ = true;
  cuda_ = device.is_cuda();
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
  at::autocast::set_autocast_enabled(cuda_ ? at::kCUDA : at::kCPU, true);
  at::autocast::set_autocast_dtype(cuda_ ? at::kCUDA : at::kCPU, at::kBFloat16);
#else
  if (cuda_) {
    at::autocast::set_enabled(true);
    at::autocast::set_autocast_gpu_dtype(at::kBFloat16);
  } else {
    at::autocast::set_cpu_enabled(true);
    at::autocast::set_autocast_cpu_dtype(at::kBFloat16);
  }
#endif
}

AutocastGuard::~AutocastGuard() {
  if (!enabled_) return;
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
  at::autocast::set_autocast_enabled(cuda_ ? at::kCUDA : at::kCPU, false);
#else
  if (cuda_)
    at::autocast::set_enabled(false);
  else
    at::autocast::set_cpu_enabled(false);
#endif
  at::autocast::clear_cache();
}

}  // namespace bertforge
