// `bertforge tokenizer` and `bertforge prepare`: a stage run as a command. Each holds the run
// lock, runs its stage (tokenizer/tokenizer.h: run_tokenizer_stage; data/prepare.h: run_prepare)
// and records the resolved config in the run directory.
#pragma once

namespace bertforge {

struct Config;

int run_tokenizer_command(const Config& config);
int run_prepare_command(const Config& config);

}  // namespace bertforge
