// Dropout with a counter-based mask, for the CPU. LibTorch's CPU dropout draws every element from
// its generator one at a time under a lock (~15 ns an element here: 20% of a tiny BERT's step at
// dropout 0.1); here each call draws one 64-bit key from the device's default generator and the
// element i is kept when a SplitMix64 hash of (key, i) clears the threshold (~1 ns an element,
// split over the intra-op threads). The mask is a pure function of the key, so it does not depend
// on the thread count, and the run stays as reproducible as before: the trainer reseeds the
// default generator at every micro-step (train_step.cpp), and the calls draw their keys in the
// model's fixed order. On other devices (CUDA) LibTorch's own dropout runs.
#pragma once

#include <torch/torch.h>

#include <cstdint>

namespace bertforge {

// x with each element zeroed with probability p and the rest scaled by 1 / (1 - p), when `train`
// and p > 0; else x itself. Autograd passes the gradient through the same mask.
torch::Tensor apply_dropout(const torch::Tensor& x, double p, bool train);

// The next key apply_dropout would use for a mask on `device` (and the draw itself): the thread's
// DropoutKeys stream when one is in scope, else the device's default generator. For kernels that
// make the same mask on the fly (kernels/counter_hash.h; Linear::forward_residual).
uint64_t draw_dropout_key(const torch::Device& device);

// The mask that apply_dropout multiplies by: like `x` (its sizes, dtype, device; contiguous), each
// element 0 or 1 / (1 - p) as the hash of (key, its flat index) falls below or above p.
torch::Tensor dropout_mask(const torch::Tensor& x, double p, uint64_t key);

// Within its scope, apply_dropout on this thread takes its keys from a stream of its own, key i a
// hash of (seed, i), instead of the device's default generator: for threads that run dropout at
// once (train/batch_parallel.h), each on its own stream, so no key depends on their timing.
class DropoutKeys {
 public:
  explicit DropoutKeys(uint64_t seed);
  ~DropoutKeys();
  DropoutKeys(const DropoutKeys&) = delete;
  DropoutKeys& operator=(const DropoutKeys&) = delete;

 private:
  bool was_active_;
  uint64_t seed_, next_;
};

// A module around apply_dropout(), in place of torch::nn::Dropout (no parameters, no buffers: the
// state dict is the same).
struct DropoutImpl : torch::nn::Module {
  explicit DropoutImpl(double p = 0.1) : p(p) {}
  torch::Tensor forward(const torch::Tensor& x) { return apply_dropout(x, p, is_training()); }
  double p;
};
TORCH_MODULE(Dropout);

}  // namespace bertforge
