// The batch split over threads (train.thread_mode: batch), as Marian's CPU workers do: each of N
// threads runs the forward and backward of its rows of a micro-batch (data/split_rows.h) on one
// core, on a replica of the model that shares its weights; the replicas' gradients are then added
// into the model's in thread order. A step is so a deterministic function of its batch for a given
// N (not bit-equal across N: the batch gradient is summed in N parts). A small model keeps two
// cores far busier this way than by splitting each operation over them (train.thread_mode: ops):
// the tiny preset gains 1.25x from a second thread split by operations (README "Throughput").
// Dropout keys come from DropoutKeys seeded per (step, micro-batch, rank, part), so no thread
// touches the shared generator.
#pragma once

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "data/batch.h"
#include "model/model.h"

namespace bertforge {

class BatchParallel {
 public:
  // What one thread does with its part: forward + backward on `model` (the model itself for part
  // 0, a replica for the others). `index` is the part's, 0 .. threads() - 1.
  using Work = std::function<void(PreTrainingModel& model, const Batch& part, int index)>;

  // `threads` <= 1: the work runs on the calling thread, on the model, unsplit. Else `threads`
  // threads are started, each set to one core's worth of work, and wait for run().
  BatchParallel(PreTrainingModel& model, int threads);
  ~BatchParallel();
  BatchParallel(const BatchParallel&) = delete;
  BatchParallel& operator=(const BatchParallel&) = delete;
  int threads() const { return threads_; }

  // Runs `work` on the parts of `batch` (one per thread, fewer when it has fewer rows) and leaves
  // the sum of their gradients in the model's. An exception in a part is rethrown here.
  void run(const Batch& batch, const Work& work);

 private:
  void serve(size_t k);  // thread k's loop
  void share_weights();
  void gather_gradients(size_t parts);
  PreTrainingModel& model_;
  int threads_;
  std::vector<std::shared_ptr<PreTrainingModel>> replicas_;
  // The threads and the job they share: `part(k)` for k < parts_, once per generation_.
  std::vector<std::thread> pool_;
  std::mutex mutex_;
  std::condition_variable start_, done_;
  std::function<void(size_t)> part_;
  size_t parts_ = 0;
  int64_t generation_ = 0;
  int busy_ = 0;
  bool stop_ = false;
};

}  // namespace bertforge
