// Runs the real bertforge executable for end-to-end tests.
#pragma once

#include <string>

namespace bertforge::testing {

struct RunResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr together
};

// Runs `bertforge <args>` through the shell (args are shell words), capturing output.
RunResult run_bertforge(const std::string& args);
// Path of the executable under test and of the source tree (for configs/).
std::string bertforge_bin();
std::string source_dir();

}  // namespace bertforge::testing
