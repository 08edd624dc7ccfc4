// Process-wide tuning done once at start-up, before any library spins up threads.
#pragma once

namespace bertforge {

// Keeps freed memory in the process instead of returning big blocks to the kernel on every step
// (glibc's mmap threshold and trim), and makes idle OpenMP threads sleep instead of spinning
// against OpenBLAS (OMP_WAIT_POLICY=PASSIVE; libgomp reads it at load time, so the process
// re-executes itself once with it set). A user's own settings of these variables win. A write
// past RLIMIT_FSIZE fails with an error naming the file instead of killing the process.
void tune_process(int argc, char** argv);

}  // namespace bertforge
