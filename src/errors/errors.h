// Error types. Every failure a user can cause is one of these, thrown with the file, line or
// config key it concerns and a hint; `main` catches them once and maps them to exit codes.
#pragma once

#include <stdexcept>
#include <string>

namespace bertforge {

// Exit codes (part of the outside contract).
constexpr int kExitOk = 0;
constexpr int kExitRuntime = 1;
constexpr int kExitUsage = 2;

// Base class: a one-line message meant for the user.
class Error : public std::runtime_error {
 public:
  Error(const std::string& what, int exit_code) : std::runtime_error(what), exit_code_(exit_code) {}
  int exit_code() const { return exit_code_; }

 private:
  int exit_code_;
};

// A bad config key/value or command line (exit 2). `key` is the dotted key path.
class ConfigError : public Error {
 public:
  ConfigError(const std::string& key, const std::string& what, const std::string& hint = "");
};

// A bad command line (exit 2).
class UsageError : public Error {
 public:
  explicit UsageError(const std::string& what) : Error(what, kExitUsage) {}
};

// A bad input file (exit 1): `path`, optional 1-based `line` (0 = none), what was expected.
class InputError : public Error {
 public:
  InputError(const std::string& path, long line, const std::string& what,
             const std::string& hint = "");
};

// Any other runtime failure (exit 1).
class RuntimeError : public Error {
 public:
  explicit RuntimeError(const std::string& what, const std::string& hint = "");
};

}  // namespace bertforge
