// Data parallelism on PyTorch's c10d: a TCPStore rendezvous and ProcessGroupGloo (CPU) or
// ProcessGroupNCCL (CUDA, when LibTorch has it). World size 1 opens no socket.
// Launch like any PyTorch job: torchrun --nproc_per_node N --no-python bertforge train ...
#pragma once

#include <torch/torch.h>

#include <memory>
#include <string>
#include <vector>

#include "distributed/dist_env.h"

namespace bertforge {

class Distributed {
 public:
  // Connects to the other ranks (no-op for world size 1); fails after `timeout_sec`.
  Distributed(const DistEnv& env, const torch::Device& device, int timeout_sec);
  ~Distributed();
  int rank() const { return env_.rank; }
  int world_size() const { return env_.world_size; }
  bool is_main() const { return env_.is_main(); }
  // In-place sum over ranks of each tensor (same shapes on every rank), bucketed.
  void all_reduce_sum(std::vector<torch::Tensor>& tensors);
  // Sums a few doubles over ranks.
  std::vector<double> all_reduce_sum(const std::vector<double>& values);
  // Copies rank 0's values of every tensor to the other ranks.
  void broadcast(std::vector<torch::Tensor>& tensors);
  void barrier();

 private:
  struct Impl;
  DistEnv env_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace bertforge
