#include "runtime/runtime.h"

#if defined(__x86_64__)
#include <cpuid.h>
#endif

#include <ATen/Parallel.h>
#include <ATen/autocast_mode.h>
#include <dlfcn.h>
#include <torch/version.h>

#include <algorithm>
#include <cstdlib>

#include "config/config.h"
#include "errors/errors.h"

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

namespace {
using SetThreads = void (*)(int);
using GetThreads = int (*)();

// OpenBLAS's thread count setter, or null (another BLAS, or the user set OPENBLAS_NUM_THREADS).
SetThreads blas_set_threads() {
  if (std::getenv("OPENBLAS_NUM_THREADS")) return nullptr;
  return reinterpret_cast<SetThreads>(::dlsym(RTLD_DEFAULT, "openblas_set_num_threads"));
}
}  // namespace

int configure_threads(int threads) {
  int n = resolve_threads(threads);
  torch::set_num_threads(n);
  // LibTorch hands matrix products to the system BLAS, whose own thread pool ignores the line
  // above: OpenBLAS would use every core in each rank. Cap it the same way, unless the user set it.
  if (auto set = blas_set_threads()) set(n);
  return n;
}

int batch_parts(const std::string& mode, const torch::Device& device, int threads,
                int64_t parameters) {
  if (mode == "ops" || threads <= 1) return 1;
  if (!device.is_cpu()) {
    if (mode == "auto") return 1;
    throw ConfigError(
        "train.thread_mode",
        "batch splits a micro-batch over CPU threads, but the run is on " + device.str(),
        "use train.thread_mode=ops or auto");
  }
  const double replica_grad_bytes = double(threads - 1) * 4.0 * double(parameters);
  if (mode == "auto" && (threads > 8 || replica_grad_bytes > double(1 << 30))) return 1;
  return threads;
}

void use_one_thread_here() {
  // LibTorch sets a new thread's OpenMP team size from its global count at the thread's first
  // parallel operation; do that first, then make this thread's team one.
  at::internal::lazy_init_num_threads();
  static const auto omp_set =
      reinterpret_cast<SetThreads>(::dlsym(RTLD_DEFAULT, "omp_set_num_threads"));
  if (omp_set) omp_set(1);
}

SingleThreadedBlas::SingleThreadedBlas() {
  auto get = reinterpret_cast<GetThreads>(::dlsym(RTLD_DEFAULT, "openblas_get_num_threads"));
  if (auto set = blas_set_threads(); set && get) {
    before_ = get();
    set(1);
  }
}

SingleThreadedBlas::~SingleThreadedBlas() {
  if (before_ > 0) blas_set_threads()(before_);
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

std::string describe_precision(const std::string& precision, const torch::Device& device) {
  const std::string resolved = resolve_precision(precision, device);
  if (precision != "auto") return "precision " + precision;
  const char* why = device.is_cuda()     ? "CUDA"
                    : resolved == "bf16" ? "AVX512-BF16/AMX"
                                         : "no bf16 instructions on this CPU";
  return "precision auto -> " + resolved + " (" + why + ")";
}

bool cpu_bf16_autocast_on() {
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
  return at::autocast::is_autocast_enabled(at::kCPU) &&
         at::autocast::get_autocast_dtype(at::kCPU) == at::kBFloat16;
#else
  return at::autocast::is_cpu_enabled() && at::autocast::get_autocast_cpu_dtype() == at::kBFloat16;
#endif
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
