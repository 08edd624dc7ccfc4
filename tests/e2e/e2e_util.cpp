#include "e2e/e2e_util.h"

#include <sys/wait.h>

#include <array>
#include <cstdio>

namespace bertforge::testing {

std::string bertforge_bin() { return BERTFORGE_BIN; }
std::string source_dir() { return BERTFORGE_SOURCE_DIR; }

RunResult run_bertforge(const std::string& args) {
  RunResult r;
  std::string cmd = std::string(BERTFORGE_BIN) + " " + args + " 2>&1";
  FILE* p = ::popen(cmd.c_str(), "r");
  if (!p) return r;
  std::array<char, 4096> buf;
  size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), p)) > 0) r.output.append(buf.data(), n);
  int status = ::pclose(p);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return r;
}

}  // namespace bertforge::testing
