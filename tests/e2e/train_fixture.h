// A small run directory for end-to-end training tests: a generated corpus and a tiny config.
#pragma once

#include <string>
#include <vector>

#include "e2e/e2e_util.h"
#include "testutil.h"

namespace bertforge::testing {

struct TinyRun {
  TempDir dir;
  std::string config;   // path of the config file
  std::string run_dir;  // <dir>/run
  // `docs` documents of `style`; `extra` is appended inside the JSON object (e.g. ", \"x\": 1").
  explicit TinyRun(int docs = 300, int style = 0, int steps = 40, const std::string& extra = "");
  // Runs `bertforge <command> --config <config> <args>`.
  RunResult run(const std::string& command, const std::string& args = "") const;
};

// One JSON value per line of a .jsonl file, the field `key` of each.
std::vector<double> jsonl_field(const std::string& path, const std::string& key);

}  // namespace bertforge::testing
