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

// The number of parts a micro-batch is split into (train/batch_parallel.h) for train.thread_mode
// `mode` with `threads` threads on `device`, for a model of `parameters` weights: `threads` for
// batch, 1 for ops. auto is batch on the CPU while the parts stay big and the replicas' gradients
// small (threads <= 8, (threads - 1) x 4 bytes x parameters <= 1 GiB), else ops. Throws
// ConfigError for batch on CUDA.
int batch_parts(const std::string& mode, const torch::Device& device, int threads,
                int64_t parameters);

// Makes the operations the calling thread runs use that one thread (its OpenMP team of one): for
// the batch-parallel threads (train/batch_parallel.h), each of which is one core's worth of work.
void use_one_thread_here();

// For its lifetime, the system BLAS (OpenBLAS) computes each product on the thread that asks for
// it, without its own pool: several threads may then call it at once, one core each. Restores the
// earlier count. Does nothing when the BLAS is not OpenBLAS or OPENBLAS_NUM_THREADS is set.
class SingleThreadedBlas {
 public:
  SingleThreadedBlas();
  ~SingleThreadedBlas();
  SingleThreadedBlas(const SingleThreadedBlas&) = delete;
  SingleThreadedBlas& operator=(const SingleThreadedBlas&) = delete;

 private:
  int before_ = 0;
};

// True on an x86-64 CPU with AVX512-BF16 or AMX-BF16 instructions (cpuid), which oneDNN's bf16
// matmuls use.
bool cpu_has_bf16();
// train.precision as run on `device`: "fp32" or "bf16". "auto" is bf16 on CUDA and on CPUs where
// cpu_has_bf16() (where it measured faster at a loss within tolerance: README "Throughput"), else
// fp32.
std::string resolve_precision(const std::string& precision, const torch::Device& device);
// The choice in words, for the start-up log: "precision auto -> bf16 (AVX512-BF16)".
std::string describe_precision(const std::string& precision, const torch::Device& device);

// True while bf16 autocast is on for the CPU on the calling thread (an AutocastGuard's lifetime):
// the matmuls there produce bf16.
bool cpu_bf16_autocast_on();

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
