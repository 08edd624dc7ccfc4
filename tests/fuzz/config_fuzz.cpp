// Fuzz target: a config file as every command reads it (load_config: JSON, presets, types, then
// validate), and what a checkpoint keeps of it: an accepted config must survive config_to_json ->
// config_from_json unchanged (checkpoints and exports store it that way), else the target traps.
// A refusal is a bertforge::Error; anything else escaping (a JSON type error, UB) is a finding.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "config/config.h"
#include "errors/errors.h"
#include "fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = bertforge::fuzz::scratch_dir("config") + "/config.json";
  bertforge::fuzz::write_file(path, data, size);
  bertforge::Config c;
  try {
    c = bertforge::load_config(path, {});
  } catch (const bertforge::Error&) {
    return 0;
  }
  std::string again;
  try {
    again = bertforge::config_to_string(bertforge::config_from_json(bertforge::config_to_json(c)));
  } catch (const bertforge::Error&) {
    __builtin_trap();  // accepted once, refused when read back from a checkpoint
  }
  if (again != bertforge::config_to_string(c)) __builtin_trap();
  return 0;
}
