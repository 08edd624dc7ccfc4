#include "runtime/process.h"

#include <malloc.h>
#include <signal.h>
#include <unistd.h>

#include <cstdlib>

namespace bertforge {

void tune_process(int argc, char** argv) {
  (void)argc;
  // Past RLIMIT_FSIZE a write fails with EFBIG (reported with the path) instead of a SIGXFSZ kill.
  signal(SIGXFSZ, SIG_IGN);
  if (!std::getenv("MALLOC_MMAP_MAX_")) mallopt(M_MMAP_MAX, 0);
  if (!std::getenv("MALLOC_TRIM_THRESHOLD_")) mallopt(M_TRIM_THRESHOLD, 1 << 30);
  if (!std::getenv("OMP_WAIT_POLICY") && !std::getenv("BERTFORGE_NO_REEXEC")) {
    setenv("OMP_WAIT_POLICY", "PASSIVE", 1);
    setenv("BERTFORGE_NO_REEXEC", "1", 1);
    execv("/proc/self/exe", argv);  // returns only on failure: then carry on as we are
  }
}

}  // namespace bertforge
