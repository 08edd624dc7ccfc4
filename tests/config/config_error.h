// Test helper for the config tests: the message and exit code of the error load_config throws.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "config/config.h"
#include "errors/errors.h"

namespace bertforge::testing {

// Runs load_config(path, sets); returns the error's what() and exit code, or {"", 0} when it
// loads.
inline std::pair<std::string, int> config_error_of(const std::string& path,
                                                   const std::vector<std::string>& sets) {
  try {
    load_config(path, sets);
  } catch (const Error& e) {
    return {e.what(), e.exit_code()};
  }
  return {"", 0};
}

}  // namespace bertforge::testing
