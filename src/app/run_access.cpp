#include "app/run_access.h"

#include "config/config.h"
#include "distributed/dist_env.h"
#include "fs/fs.h"
#include "run/run_layout.h"

namespace bertforge {

std::optional<RunLock> lock_run(const Config& config) {
  if (!DistEnv::main_process()) return std::nullopt;
  return RunLock::acquire(config.run_dir);
}

void record_config(const Config& config) {
  if (!DistEnv::main_process()) return;
  fs::make_dirs(config.run_dir);
  fs::write_file_atomic(run_config_path(config.run_dir), config_to_string(config));
}

}  // namespace bertforge
