// Fuzz target: a TensorBoard event file in run_dir/logs/tensorboard/ as a resumed run reads it
// (src/logs/tensorboard.cpp, compiled in: torch-free): read_tensorboard_events, then the rewrite
// TensorBoardLog does on resume (which must never throw: its failures are warnings). A refusal is
// a bertforge::Error; anything else escaping is a finding.
#include <cstdint>
#include <filesystem>
#include <string>

#include "console/logging.h"
#include "errors/errors.h"
#include "fuzz_util.h"
#include "logs/tensorboard.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const bool quiet = (bertforge::log::set_level(bertforge::log::Level::kError), true);
  (void)quiet;
  const std::string dir = bertforge::fuzz::scratch_dir("tensorboard") + "/logs";
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  std::filesystem::create_directories(dir);
  const std::string path = dir + "/events.out.tfevents.0000000001.000001.fuzz";
  bertforge::fuzz::write_file(path, data, size);
  try {
    for (const auto& e : bertforge::read_tensorboard_events(path)) {
      if (!e.start && e.values.empty()) __builtin_trap();  // only events worth keeping
    }
  } catch (const bertforge::Error&) {
  }
  // A run resuming after step 3: reads the file, keeps steps <= 3, rewrites the folder.
  bertforge::TensorBoardLog log(dir, 3, false);
  return 0;
}
