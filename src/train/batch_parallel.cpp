#include "train/batch_parallel.h"

#include <exception>

#include "data/split_rows.h"
#include "runtime/runtime.h"

namespace bertforge {

BatchParallel::BatchParallel(PreTrainingModel& model, int threads)
    : model_(model), threads_(std::max(1, threads)) {
  for (int k = 1; k < threads_; ++k) replicas_.push_back(make_model(model.shape()));
  const auto names = model.named_parameters(/*recurse=*/true).keys();
  for (const auto& r : replicas_)
    TORCH_CHECK(r->named_parameters(true).keys() == names, "a replica's parameters differ");
  if (threads_ > 1)
    for (int k = 0; k < threads_; ++k) pool_.emplace_back([this, k] { serve(size_t(k)); });
}

BatchParallel::~BatchParallel() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  start_.notify_all();
  for (auto& t : pool_) t.join();
}

// Long-lived threads: LibTorch sets up a thread's intra-op state at its first operation (and
// rebuilds a thread pool of its own then), which is too dear to pay at every micro-batch.
void BatchParallel::serve(size_t k) {
  use_one_thread_here();
  int64_t seen = 0;
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    start_.wait(lock, [&] { return stop_ || generation_ != seen; });
    if (stop_) return;
    seen = generation_;
    if (k < parts_) {
      lock.unlock();
      part_(k);  // catches its own exceptions
      lock.lock();
    }
    if (--busy_ == 0) done_.notify_one();
  }
}

// The replicas' parameters and buffers become the model's own tensors (their storage shared, their
// gradients their own); done every step, so a weight the model replaced is followed.
void BatchParallel::share_weights() {
  const auto params = model_.parameters();
  const auto buffers = model_.buffers();
  for (const auto& r : replicas_) {
    auto rp = r->parameters();
    for (size_t i = 0; i < rp.size(); ++i) rp[i].set_data(params[i]);
    auto rb = r->buffers();
    for (size_t i = 0; i < rb.size() && i < buffers.size(); ++i) rb[i].set_data(buffers[i]);
    r->train(model_.is_training());
  }
}

// model.grad += replica_k.grad for k = 1, 2, ... in order; the replicas' gradients are dropped.
void BatchParallel::gather_gradients(size_t parts) {
  auto params = model_.parameters();
  for (size_t k = 1; k < parts; ++k) {
    auto rp = replicas_[k - 1]->parameters();
    for (size_t i = 0; i < rp.size(); ++i) {
      auto& g = rp[i].mutable_grad();
      if (!g.defined()) continue;
      auto& total = params[i].mutable_grad();
      if (total.defined())
        total.add_(g);
      else
        total = g.clone();
      g.reset();
    }
  }
}

void BatchParallel::run(const Batch& batch, const Work& work) {
  if (threads_ <= 1) return work(model_, batch, 0);
  const std::vector<Batch> parts = split_rows(batch, threads_);
  share_weights();
  std::vector<std::exception_ptr> errors(parts.size());
  {
    SingleThreadedBlas blas;
    std::unique_lock<std::mutex> lock(mutex_);
    part_ = [&](size_t k) {
      try {
        work(k == 0 ? model_ : *replicas_[k - 1], parts[k], static_cast<int>(k));
      } catch (...) {
        errors[k] = std::current_exception();
      }
    };
    parts_ = parts.size(), busy_ = threads_, ++generation_;
    start_.notify_all();
    done_.wait(lock, [&] { return busy_ == 0; });
    part_ = nullptr;
  }
  for (const auto& e : errors)
    if (e) std::rethrow_exception(e);
  gather_gradients(parts.size());
}

}  // namespace bertforge
