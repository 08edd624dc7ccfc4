#include "dist/runtime.h"

#if defined(__x86_64__)
#include <cpuid.h>
#endif

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

namespace {
bool read_cpu_has_bf16() {
#if defined(__x86_64__)
  unsigned a = 0, b = 0, c = 0, d = 0;
  if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return false;
  const bool amx_bf16 = d & (1u << 22);
  const unsigned max_sub = a;
  bool avx512_bf16 = false;
  if (max_sub >= 1 && __get_cpuid_count(7, 1, &a, &b, &c, &d)) avx512_bf16 = a & (1u << 5);
  return avx512_bf16 || amx_bf16;
#else
  return false;
#endif
}
}  // namespace

bool cpu_has_bf16() {
  static const bool has = read_cpu_has_bf16();  // asked by every AutocastGuard: cpuid once
  return has;
}

std::string resolve_precision(const std::string& precision, const torch::Device& device) {
  if (precision != "auto") return precision;
  return device.is_cuda() || cpu_has_bf16() ? "bf16" : "fp32";
}

AutocastGuard::AutocastGuard(const torch::Device& device, const std::string& precision) {
  if (resolve_precision(precision, device) != "bf16") return;
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
