#include "fs/fs.h"

#include <fcntl.h>
#include <glob.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <utility>

#include "errors/errors.h"

namespace bertforge::fs {
namespace stdfs = std::filesystem;

bool exists(const std::string& path) { return ::access(path.c_str(), F_OK) == 0; }

bool is_dir(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

void make_dirs(const std::string& path) {
  std::error_code ec;
  stdfs::create_directories(path, ec);
  if (ec) throw RuntimeError("cannot create directory " + path + ": " + ec.message());
}

void remove_all(const std::string& path) {
  std::error_code ec;
  stdfs::remove_all(path, ec);
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path, 0, std::string("cannot read file: ") + std::strerror(errno));
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void sync_path(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return;
  const int rc = ::fsync(fd), e = errno;
  ::close(fd);  // opened read-only: nothing of the data depends on it
  if (rc != 0 && e != EINVAL && e != EROFS && e != EBADF)
    throw RuntimeError("cannot sync " + path + ": " + std::strerror(e));
}

std::string parent(const std::string& path) {
  auto p = stdfs::path(path).parent_path().string();
  return p.empty() ? "." : p;
}

std::string filename(const std::string& path) { return stdfs::path(path).filename().string(); }

std::string join(const std::string& a, const std::string& b) {
  return (stdfs::path(a) / b).string();
}

std::string unique_tag() {
  // The pid alone is not unique: processes in different containers (or on different hosts of a
  // shared file system) often have the same one. A random tag makes the name unique across them.
  static std::atomic<int> counter{0};
  static const uint64_t tag = [] {
    std::random_device rd;
    return (uint64_t(rd()) << 32) ^ rd();
  }();
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(tag));
  return std::to_string(::getpid()) + "-" + hex + "-" + std::to_string(counter++);
}

std::string temp_sibling(const std::string& path) { return path + ".tmp-" + unique_tag(); }

void rename_path(const std::string& from, const std::string& to) {
  if (::rename(from.c_str(), to.c_str()) != 0)
    throw RuntimeError("cannot rename " + from + " to " + to + ": " + std::strerror(errno));
}

void rename_sync(const std::string& from, const std::string& to) {
  rename_path(from, to);
  sync_path(parent(to));
}

void write_file_atomic(const std::string& path, const std::string& data) {
  const std::string tmp = temp_sibling(path);
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0644);
  if (fd < 0) throw RuntimeError("cannot write " + path + ": " + std::strerror(errno));
  size_t off = 0;
  while (off < data.size()) {
    ssize_t n = ::write(fd, data.data() + off, data.size() - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      int e = errno;
      ::close(fd);
      ::unlink(tmp.c_str());
      throw RuntimeError("cannot write " + path + ": " + std::strerror(e));
    }
    off += static_cast<size_t>(n);
  }
  // A full disk or an I/O error may surface only when the data is flushed.
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    int e = errno;
    ::unlink(tmp.c_str());
    throw RuntimeError("cannot write " + path + ": " + std::strerror(e));
  }
  rename_sync(tmp, path);
}

std::vector<std::string> expand_globs(const std::vector<std::string>& patterns,
                                      const std::string& key) {
  std::vector<std::string> out;
  for (const auto& pat : patterns) {
    glob_t g;
    std::memset(&g, 0, sizeof g);
    int rc = ::glob(pat.c_str(), GLOB_NOCHECK * 0, nullptr, &g);
    if (rc != 0 || g.gl_pathc == 0) {
      globfree(&g);
      throw InputError(pat, 0, "no such file (from " + key + ")",
                       "check the path; relative paths are taken from the current directory");
    }
    for (size_t i = 0; i < g.gl_pathc; ++i) out.emplace_back(g.gl_pathv[i]);
    globfree(&g);
  }
  return out;
}

int64_t file_size(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return -1;
  return st.st_size;
}

int64_t mtime_ns(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return -1;
  return static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000LL + st.st_mtim.tv_nsec;
}

AppendFile::AppendFile(const std::string& path) : path_(path) {
  fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd_ < 0)
    throw RuntimeError("cannot open " + path + " for appending: " + std::strerror(errno));
}

AppendFile::AppendFile(AppendFile&& o) noexcept : fd_(o.fd_), path_(std::move(o.path_)) {
  o.fd_ = -1;
}

AppendFile& AppendFile::operator=(AppendFile&& o) noexcept {
  if (this != &o) {
    close();
    fd_ = o.fd_;
    path_ = std::move(o.path_);
    o.fd_ = -1;
  }
  return *this;
}

AppendFile::~AppendFile() { close(); }

void AppendFile::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

void AppendFile::append(const std::string& data) {
  if (fd_ < 0) return;
  const off_t before = ::lseek(fd_, 0, SEEK_END);
  size_t off = 0;
  while (off < data.size()) {
    ssize_t n = ::write(fd_, data.data() + off, data.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int e = n < 0 ? errno : EIO;
      if (before >= 0 && ::ftruncate(fd_, before) != 0) {
        // The torn tail stays; the readers of logs and event files skip it.
      }
      close();
      throw RuntimeError("cannot write " + path_ + ": " + std::strerror(e));
    }
    off += static_cast<size_t>(n);
  }
}

}  // namespace bertforge::fs
