// Shared by the fuzz targets (tests/fuzz/*_fuzz.cpp): a per-process scratch directory for readers
// that need a file, removed at exit. Under /dev/shm when it exists (no disk I/O per input), else
// the system temp dir.
#pragma once

#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

namespace bertforge::fuzz {

// A directory of its own for this process: <tmp>/bertforge-fuzz-<name>-<pid>/ (created on the
// first call, removed when the process exits normally).
inline const std::string& scratch_dir(const std::string& name) {
  struct Dir {
    std::string path;
    ~Dir() {
      std::error_code ec;
      std::filesystem::remove_all(path, ec);
    }
  };
  static const Dir dir = [&] {
    std::error_code ec;
    const bool shm =
        std::filesystem::is_directory("/dev/shm", ec) && ::access("/dev/shm", W_OK) == 0;
    const std::string base = shm ? "/dev/shm" : std::filesystem::temp_directory_path().string();
    Dir d{base + "/bertforge-fuzz-" + name + "-" + std::to_string(::getpid())};
    std::filesystem::remove_all(d.path, ec);
    std::filesystem::create_directories(d.path);
    return d;
  }();
  return dir.path;
}

// Writes `size` bytes to `path` (replacing it); aborts when it cannot (not a finding of the
// reader).
inline void write_file(const std::string& path, const uint8_t* data, size_t size) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  out.close();
  if (!out) std::abort();
}

}  // namespace bertforge::fuzz
