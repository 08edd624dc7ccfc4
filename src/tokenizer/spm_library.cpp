#include "tokenizer/spm_library.h"

#include <dlfcn.h>
#include <unistd.h>

#include <mutex>

#include "errors/errors.h"
#include "fs/fs.h"

namespace bertforge::spm {
namespace {
constexpr const char* kLibName = "libbertforge_spm.so";
// AddressSanitizer refuses RTLD_DEEPBIND. Sanitizer builds load the library without it: fine for
// the torch-free tests, while the full executable there cannot tokenize (see spm_library.h).
#if defined(__SANITIZE_ADDRESS__)
constexpr int kDeepBind = 0;
#else
constexpr int kDeepBind = RTLD_DEEPBIND;
#endif

std::string executable_dir() {
  char buf[4096];
  ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) return ".";
  buf[n] = '\0';
  return fs::parent(buf);
}

const Library* load() {
  std::vector<std::string> candidates;
  if (const char* env = std::getenv("BERTFORGE_SPM_LIB")) candidates.push_back(env);
  const std::string exe = executable_dir();
  candidates.push_back(fs::join(exe, kLibName));
  candidates.push_back(fs::join(exe, std::string("../lib/") + kLibName));
  candidates.push_back(fs::join(exe, std::string("../") + kLibName));
#ifdef BERTFORGE_SPM_BUILD_PATH
  candidates.push_back(BERTFORGE_SPM_BUILD_PATH);
#endif
  candidates.push_back(kLibName);  // the dynamic linker's search path
  std::string errors;
  for (const auto& path : candidates) {
    if (path.find('/') != std::string::npos && !fs::exists(path)) continue;
    void* handle = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL | kDeepBind);
    if (!handle) {
      errors += std::string(::dlerror()) + "; ";
      continue;
    }
    using Factory = const Library* (*)();
    auto factory = reinterpret_cast<Factory>(::dlsym(handle, "bertforge_spm_library"));
    if (!factory) {
      errors += path + ": no bertforge_spm_library symbol; ";
      continue;
    }
    return factory();
  }
  throw RuntimeError("cannot load " + std::string(kLibName) + " (SentencePiece): " + errors,
                     "it is installed next to the bertforge executable; or set BERTFORGE_SPM_LIB");
}
}  // namespace

const Library& library() {
  static std::once_flag once;
  static const Library* lib = nullptr;
  std::call_once(once, [] { lib = load(); });
  return *lib;
}

}  // namespace bertforge::spm
