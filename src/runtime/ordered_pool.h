// OrderedPool: a fixed set of worker threads that run submitted jobs and hand their results back
// in submission order, with a bound on the jobs in flight. The one mechanism for parallel work
// whose output order matters: prepare's encoding, the loader's prefetch.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>
#include <vector>

namespace bertforge {

// One producer/consumer thread submits jobs and takes their results; `threads` workers run them.
// A job is `R(int worker)`, `worker` in [0, max(threads, 1)): an index for per-worker state (a
// job never runs concurrently with another of the same index). Not thread-safe itself: call it
// from one thread.
template <class R>
class OrderedPool {
 public:
  using Job = std::function<R(int worker)>;

  // `threads` workers; 0 runs each job on the calling thread, inside next(). At most
  // `max_in_flight` (>= 1) jobs may be submitted and not yet taken by next().
  OrderedPool(int threads, size_t max_in_flight) : max_(max_in_flight < 1 ? 1 : max_in_flight) {
    for (int i = 0; i < threads; ++i) workers_.emplace_back([this, i] { loop(i); });
  }
  // Jobs not yet started never run; running ones finish first (their results are dropped).
  ~OrderedPool() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
      queue_.clear();
    }
    work_cv_.notify_all();
    for (auto& w : workers_) w.join();
  }
  OrderedPool(const OrderedPool&) = delete;
  OrderedPool& operator=(const OrderedPool&) = delete;

  // Jobs submitted and not yet taken by next().
  size_t in_flight() const {
    std::lock_guard<std::mutex> lock(mu_);
    return slots_.size();
  }
  bool full() const { return in_flight() >= max_; }
  bool empty() const { return in_flight() == 0; }

  // Queues `job` behind the others. Throws std::logic_error when full().
  void submit(Job job) {
    auto slot = std::make_shared<Slot>();
    slot->job = std::move(job);
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (slots_.size() >= max_) throw std::logic_error("OrderedPool::submit: full");
      slots_.push_back(slot);
      queue_.push_back(std::move(slot));
    }
    work_cv_.notify_one();
  }

  // The result of the oldest job not yet taken, waiting for it; rethrows what that job threw (the
  // later jobs stay in flight). Throws std::logic_error when empty().
  R next() {
    std::unique_lock<std::mutex> lock(mu_);
    if (slots_.empty()) throw std::logic_error("OrderedPool::next: nothing in flight");
    std::shared_ptr<Slot> slot = slots_.front();
    if (workers_.empty() && !slot->done) {  // no workers: it is the front of the queue too
      queue_.pop_front();
      Job job = std::move(slot->job);
      lock.unlock();
      run(job, 0, *slot);
      lock.lock();
      slot->done = true;
    }
    done_cv_.wait(lock, [&] { return slot->done; });
    slots_.pop_front();
    lock.unlock();
    if (slot->error) std::rethrow_exception(slot->error);
    return std::move(*slot->value);
  }

  // Drops every job in flight: queued ones never run, running ones finish unseen.
  void clear() {
    std::lock_guard<std::mutex> lock(mu_);
    queue_.clear();
    slots_.clear();
  }

 private:
  struct Slot {
    Job job;
    std::optional<R> value;
    std::exception_ptr error;
    bool done = false;  // guarded by mu_; value and error are written before it turns true
  };

  static void run(Job& job, int worker, Slot& slot) {
    try {
      slot.value.emplace(job(worker));
    } catch (...) {
      slot.error = std::current_exception();
    }
  }

  void loop(int worker) {
    std::unique_lock<std::mutex> lock(mu_);
    for (;;) {
      work_cv_.wait(lock, [this] { return stop_ || !queue_.empty(); });
      if (stop_) return;
      std::shared_ptr<Slot> slot = std::move(queue_.front());
      queue_.pop_front();
      {
        Job job = std::move(slot->job);
        lock.unlock();
        run(job, worker, *slot);
      }  // the job's captures are released outside the lock
      lock.lock();
      slot->done = true;
      done_cv_.notify_all();
    }
  }

  const size_t max_;
  mutable std::mutex mu_;
  std::condition_variable work_cv_, done_cv_;
  std::deque<std::shared_ptr<Slot>> slots_;  // in flight, in submission order
  std::deque<std::shared_ptr<Slot>> queue_;  // not yet started, in submission order
  bool stop_ = false;
  std::vector<std::thread> workers_;  // last: they start once everything else exists
};

}  // namespace bertforge
