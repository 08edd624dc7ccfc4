// bertforge: pre-trains BERT-style encoders. `main` parses, dispatches, and maps errors to exit
// codes (0 ok, 1 runtime failure, 2 usage or config error); all work is in the libraries.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <exception>
#include <functional>

#include "cli/commands.h"
#include "console/logging.h"
#include "errors/errors.h"
#include "runtime/process.h"

int main(int argc, char** argv) {
  bertforge::tune_process(argc, argv);
  CLI::App app{"bertforge " BERTFORGE_VERSION " - pretrain BERT-style encoders end to end"};
  app.set_version_flag("--version", "bertforge " BERTFORGE_VERSION);
  app.require_subcommand(1);
  app.footer(
      "Config precedence: built-in defaults < model.preset < --config file < --set.\n"
      "Every config key with its default: bertforge config --docs");
  bool verbose = false, quiet = false;
  app.add_flag("--verbose,-v", verbose, "Also print debug lines");
  app.add_flag("--quiet,-q", quiet, "Print only warnings and errors (no progress lines)")
      ->excludes("--verbose");
  app.fallthrough();  // the two flags work after the command too: bertforge train -q ...
  std::function<int()> action;
  bertforge::cli::add_commands(app, action);
  try {
    bertforge::cli::check_command(app, argc, argv);
    app.parse(argc, argv);
    using bertforge::log::Level;
    if (verbose || quiet) bertforge::log::set_level(verbose ? Level::kDebug : Level::kWarn);
    return action();
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help, --version
    // One error line like every other error (CLI11 would print two, outside the log format).
    bertforge::log::error("{} (see bertforge --help)", e.what());
    return bertforge::kExitUsage;
  } catch (const bertforge::Error& e) {
    bertforge::log::error(e.what());
    return e.exit_code();
  } catch (const std::exception& e) {
    std::string what = e.what();  // torch errors carry a backtrace after the first line
    bertforge::log::error("internal error: {}", what.substr(0, what.find('\n')));
    return bertforge::kExitRuntime;
  }
}
