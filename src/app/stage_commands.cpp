#include "app/stage_commands.h"

#include "app/run_access.h"
#include "config/config.h"
#include "data/prepare.h"
#include "tokenizer/tokenizer.h"

namespace bertforge {

int run_tokenizer_command(const Config& config) {
  const auto lock = lock_run(config);
  run_tokenizer_stage(config);
  record_config(config);
  return 0;
}

int run_prepare_command(const Config& config) {
  const auto lock = lock_run(config);
  run_prepare(config);
  record_config(config);
  return 0;
}

}  // namespace bertforge
