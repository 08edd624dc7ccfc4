// The subcommands: each registers its options on the CLI11 app and runs the library function.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <string>
#include <vector>

namespace bertforge::cli {

// Adds every subcommand to `app`; the chosen one's action is stored in `action`.
void add_commands(CLI::App& app, std::function<int()>& action);
// `finetune` and `predict` (finetune_commands.cpp).
void add_finetune_commands(CLI::App& app, std::function<int()>& action);

// Throws UsageError when the command (the first argument that is not an option) is not one of
// `app`'s, naming the nearest one. Called before parsing: CLI11 would only say "A subcommand is
// required".
void check_command(const CLI::App& app, int argc, const char* const* argv);

}  // namespace bertforge::cli
