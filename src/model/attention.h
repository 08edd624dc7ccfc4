// Scaled dot-product attention for every architecture: LibTorch's fused kernel
// (at::scaled_dot_product_attention: flash / memory-efficient) for CUDA tensors where LibTorch has
// it (2.0 and later); on the CPU the math below, whose dropout draws from this thread's key stream
// (model/dropout.h).
#pragma once

#include <torch/torch.h>

namespace bertforge {

// softmax(q k^T / sqrt(d) + bias) v with dropout `p` on the probabilities: (B, heads, T, d).
// q, k, v: (B, heads, T, d); bias: additive, broadcastable to (B, heads, T, T). The fused kernel
// where it applies, else the math: q k^T / sqrt(d) + bias as one batched GEMM (the bias written
// into the output first, the scale as its alpha), the softmax in the scores' dtype (under bf16
// autocast LibTorch would run it in fp32 and convert the (B, h, T, T) probabilities twice).
torch::Tensor attention(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                        const torch::Tensor& bias, double p);

// softmax(q k^T / sqrt(d) + bias) v with dropout `p` on the probabilities, by the fused kernel.
// q, k, v: (B, heads, T, d); bias: additive, broadcastable to (B, heads, T, T) (padding masks are
// (B, 1, 1, T), packed batches' block masks (B, 1, T, T)); it is cast to q's dtype.
// Returns an undefined tensor when the fused kernel does not apply: CPU tensors (unless forced,
// below) or LibTorch 1.13.
torch::Tensor fused_attention(const torch::Tensor& q, const torch::Tensor& k,
                              const torch::Tensor& v, const torch::Tensor& bias, double p);

// Whether this LibTorch has at::scaled_dot_product_attention.
bool fused_attention_available();

// Tests only: the fused kernel for CPU tensors too (process-wide), so that a CPU machine can check
// that the CUDA path computes what the math path does. Returns the previous setting.
bool force_fused_attention_on_cpu(bool on);

}  // namespace bertforge
