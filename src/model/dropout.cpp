#include "model/dropout.h"

#include <ATen/CPUGeneratorImpl.h>
#include <ATen/Dispatch.h>
#include <ATen/Parallel.h>

#include <cmath>
#include <mutex>

#include "kernels/counter_hash.h"

namespace bertforge {

namespace {
using kernels::splitmix;

template <class T>
void fill_mask(T* m, int64_t n, uint64_t key, uint32_t threshold, T scale) {
  const T zero(0.0f);
  at::parallel_for(0, (n + 1) / 2, 8192, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      const uint64_t z = splitmix(key, static_cast<uint64_t>(i));
      m[2 * i] = static_cast<uint32_t>(z) >= threshold ? scale : zero;
      if (2 * i + 1 < n) m[2 * i + 1] = static_cast<uint32_t>(z >> 32) >= threshold ? scale : zero;
    }
  });
}

// The calling thread's key stream while a DropoutKeys is in scope.
struct KeyStream {
  bool active = false;
  uint64_t seed = 0, next = 0;
};
thread_local KeyStream keys;

}  // namespace

uint64_t draw_dropout_key(const torch::Device& device) {
  if (keys.active) return splitmix(keys.seed, keys.next++);
  auto gen = at::globalContext().defaultGenerator(device);
  std::lock_guard<std::mutex> lock(gen.mutex());
  return at::check_generator<at::CPUGeneratorImpl>(gen)->random64();
}

DropoutKeys::DropoutKeys(uint64_t seed)
    : was_active_(keys.active), seed_(keys.seed), next_(keys.next) {
  keys = {true, seed, 0};
}

DropoutKeys::~DropoutKeys() { keys = {was_active_, seed_, next_}; }

torch::Tensor dropout_mask(const torch::Tensor& x, double p, uint64_t key) {
  TORCH_CHECK(p >= 0 && p < 1, "dropout probability must be in [0, 1), got ", p);
  auto mask = torch::empty(x.sizes(), x.options().requires_grad(false));
  // Kept when the uniform u in [0, 2^32) is >= p * 2^32: P(kept) = 1 - p to within 2^-32.
  const uint32_t threshold = kernels::DropoutMask::of(p, key).threshold;
  const double scale = 1.0 / (1.0 - p);
  AT_DISPATCH_FLOATING_TYPES_AND2(
      at::kBFloat16, at::kHalf, mask.scalar_type(), "dropout_mask", [&] {
        fill_mask<scalar_t>(mask.data_ptr<scalar_t>(), mask.numel(), key, threshold,
                            static_cast<scalar_t>(scale));
      });
  return mask;
}

torch::Tensor apply_dropout(const torch::Tensor& x, double p, bool train) {
  if (!train || p <= 0) return x;
  if (!x.device().is_cpu() || p >= 1) return torch::dropout(x, p, true);
  return x * dropout_mask(x, p, draw_dropout_key(x.device()));
}

}  // namespace bertforge
