#include "distributed/dist_env.h"

#include <cstdlib>

#include "errors/errors.h"

namespace bertforge {
namespace {
const char* env(const char* name) {
  const char* v = std::getenv(name);
  return v && *v ? v : nullptr;
}

int env_int(const char* name, int fallback) {
  const char* v = env(name);
  if (!v) return fallback;
  try {
    size_t used = 0;
    int value = std::stoi(v, &used);
    if (v[used] == '\0') return value;
  } catch (...) {
  }
  {
    throw ConfigError(std::string("$") + name,
                      std::string("expected an integer (got '") + v + "')");
  }
}
}  // namespace

DistEnv DistEnv::from_environment() {
  DistEnv e;
  if (env("WORLD_SIZE")) {
    e.world_size = env_int("WORLD_SIZE", 1);
    e.rank = env_int("RANK", 0);
    e.local_rank = env_int("LOCAL_RANK", 0);
  } else if (env("SLURM_NTASKS")) {
    e.world_size = env_int("SLURM_NTASKS", 1);
    e.rank = env_int("SLURM_PROCID", 0);
    e.local_rank = env_int("SLURM_LOCALID", 0);
  }
  if (env("MASTER_ADDR")) e.master_addr = env("MASTER_ADDR");
  e.master_port = env_int("MASTER_PORT", 29500);
  e.agent_store = env("TORCHELASTIC_USE_AGENT_STORE") &&
                  std::string(env("TORCHELASTIC_USE_AGENT_STORE")) == "True";
  e.restart_count = env_int("TORCHELASTIC_RESTART_COUNT", 0);
  if (e.world_size < 1) throw ConfigError("$WORLD_SIZE", "must be >= 1");
  if (e.rank < 0 || e.rank >= e.world_size)
    throw ConfigError("$RANK", "must be in [0, WORLD_SIZE) (got " + std::to_string(e.rank) +
                                   " with WORLD_SIZE " + std::to_string(e.world_size) + ")");
  if (e.world_size > 1 && !env("MASTER_ADDR") && env("SLURM_NTASKS") && !env("WORLD_SIZE"))
    throw ConfigError(
        "$MASTER_ADDR", "must be set for a SLURM launch",
        "export MASTER_ADDR=$(scontrol show hostnames $SLURM_JOB_NODELIST | head -n1)");
  return e;
}

bool DistEnv::main_process() {
  const char* rank = env("WORLD_SIZE") ? env("RANK") : env("SLURM_PROCID");
  return !rank || std::string(rank) == "0";
}

}  // namespace bertforge
