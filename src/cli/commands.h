// The subcommands: each registers its options on the CLI11 app and runs the library function.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <string>
#include <vector>

namespace bertforge::cli {

// Adds every subcommand to `app`; the chosen one's action is stored in `action`.
void add_commands(CLI::App& app, std::function<int()>& action);

}  // namespace bertforge::cli
