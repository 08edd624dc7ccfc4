// `bertforge inspect`: prints decoded batches so a user can see what the model is trained on.
#pragma once

#include <ostream>

namespace bertforge {

struct Config;

// Prints `batches` batches of the training loader (seed, epoch 0) to `out`.
void run_inspect(const Config& config, int batches, std::ostream& out);

}  // namespace bertforge
