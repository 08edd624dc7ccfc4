// The run directory as the commands that write into it use it: the lock they hold while they
// write, and the resolved config they record once a stage has succeeded. In a distributed launch
// every rank runs the command; only the main process locks and records.
#pragma once

#include <optional>

#include "run/run_lock.h"

namespace bertforge {

struct Config;

// The lock of config.run_dir on the main process; nullopt on the other ranks.
std::optional<RunLock> lock_run(const Config& config);
// Writes the resolved config to <run_dir>/config.json (main process only). `train` records its
// own, once the run has passed its checks.
void record_config(const Config& config);

}  // namespace bertforge
