// main() for the replay executables (tests/fuzz/CMakeLists.txt): feeds every file of the given
// directories (or the given files) to the target's LLVMFuzzerTestOneInput, in name order, so that
// the seeds and the kept crash inputs run as an ordinary test with any compiler. A missing
// directory is skipped (git keeps no empty regressions/); a crash or an escaping exception fails.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

}  // namespace

int main(int argc, char** argv) {
  namespace stdfs = std::filesystem;
  std::vector<std::string> files;
  for (int i = 1; i < argc; ++i) {
    std::error_code ec;
    if (stdfs::is_directory(argv[i], ec)) {
      std::vector<std::string> in_dir;
      for (const auto& e : stdfs::directory_iterator(argv[i]))
        if (e.is_regular_file()) in_dir.push_back(e.path().string());
      std::sort(in_dir.begin(), in_dir.end());
      files.insert(files.end(), in_dir.begin(), in_dir.end());
    } else if (stdfs::is_regular_file(argv[i], ec)) {
      files.push_back(argv[i]);
    } else {
      std::printf("replay: %s: none (skipped)\n", argv[i]);
    }
  }
  if (files.empty()) {
    std::printf("replay: no inputs at all (where are the seeds?)\n");
    return 1;
  }
  for (const std::string& path : files) {
    std::printf("replay: %s\n", path.c_str());
    std::fflush(stdout);
    const std::string bytes = read_all(path);
    LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
  }
  std::printf("replay: %zu inputs, no crash\n", files.size());
  return 0;
}
