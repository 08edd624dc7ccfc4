#include "app/stage_commands.h"

#include "app/run_access.h"
#include "config/config.h"
#include "data/prepare.h"
#include "tokenizer/tokenizer.h"
#include "tokenizer/tokenizer_stage.h"

namespace bertforge {

int run_tokenizer_command(const Config& config) {
  const auto lock = lock_run(config);
  run_tokenizer_stage(TokenizerJob::of(config));
  record_config(config);
  return 0;
}

int run_prepare_command(const Config& config) {
  const auto lock = lock_run(config);
  run_prepare(PrepareJob::of(config));
  record_config(config);
  return 0;
}

}  // namespace bertforge
