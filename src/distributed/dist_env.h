// Where this process sits in a distributed job, read from the launcher's environment (torchrun,
// SLURM, or plain RANK/WORLD_SIZE/MASTER_ADDR/MASTER_PORT). Torch-free, so that every command can
// ask "am I rank 0?" before writing into a shared run directory.
#pragma once

#include <string>

namespace bertforge {

struct DistEnv {
  int rank = 0, world_size = 1, local_rank = 0;
  std::string master_addr = "127.0.0.1";
  int master_port = 29500;
  bool agent_store = false;  // torchrun's agent hosts the store (TORCHELASTIC_USE_AGENT_STORE)
  int restart_count = 0;     // TORCHELASTIC_RESTART_COUNT
  bool is_main() const { return rank == 0; }
  // From RANK/WORLD_SIZE/LOCAL_RANK/MASTER_ADDR/MASTER_PORT, else SLURM_PROCID/SLURM_NTASKS/
  // SLURM_LOCALID; world size 1 when none is set. Throws ConfigError on inconsistent values.
  static DistEnv from_environment();
  // False only when RANK (or, without WORLD_SIZE, SLURM_PROCID) names a rank other than 0. Never
  // throws: commands that merely write into the run directory ask this, not from_environment(),
  // so that tokenizer/prepare still work in a shell that carries a scheduler's variables.
  static bool main_process();
};

}  // namespace bertforge
