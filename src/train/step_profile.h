// A developer's view of where a training step's time goes: with BERTFORGE_PROFILE=trace.json in
// the environment, LibTorch's profiler records every operation of steps 5 to 14 of the run (after
// the warm-up) into a Chrome trace (chrome://tracing, Perfetto); scripts/profile_ops.py sums it
// by operation (self time, calls, the callers of an operation).
//
// The profiler follows the thread that starts it and LibTorch's own threads, not the batch
// split's workers (train/batch_parallel.h): for a per-operation breakdown of one replica's share,
// run with train.threads=1 and half the batch. Without the variable this does nothing.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

namespace bertforge {

class StepProfile {
 public:
  StepProfile();
  ~StepProfile();
  void before_step(int64_t step);  // starts recording at step 5
  void after_step(int64_t step);   // writes the trace after step 14

 private:
  struct Recording;
  std::string path_;
  std::unique_ptr<Recording> recording_;
};

}  // namespace bertforge
