// ModernBERT's gated GELU with its dropout: dropout(gelu(a) * g, p) for [a | g] the two halves of
// h's last dimension (h: the Wi GEMM's output, (..., 2I)) -> (..., I). Under CPU bf16 autocast on
// an AVX-512 CPU, with a bf16 h, one kernel pass each way (kernels/geglu.h; the dropout mask the
// one apply_dropout would draw: the same key, the same elements); elsewhere LibTorch's ops.
#pragma once

#include <torch/torch.h>

namespace bertforge {

torch::Tensor gated_gelu(const torch::Tensor& h, double p, bool train);

}  // namespace bertforge
