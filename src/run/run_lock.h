// One writer per run directory: `tokenizer`, `prepare`, `train` and `pipeline` hold an advisory
// lock (flock) on <run_dir>/.lock while they work, so a second one started on the same run
// directory refuses instead of writing the same logs and checkpoints. The kernel releases the lock
// when the process ends, however it ends, so a lock left by a killed process never blocks.
// In a distributed launch only the main process takes it (the other ranks share its run).
#pragma once

#include <string>

namespace bertforge {

class RunLock {
 public:
  // Creates run_dir if needed and takes its lock; the file then holds this process's PID. Throws
  // RuntimeError naming the directory and the holder's PID when another process holds it.
  static RunLock acquire(const std::string& run_dir);
  RunLock(RunLock&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  RunLock(const RunLock&) = delete;
  RunLock& operator=(const RunLock&) = delete;
  ~RunLock();

 private:
  explicit RunLock(int fd) : fd_(fd) {}
  int fd_;
};

}  // namespace bertforge
