// An LD_PRELOAD fault injector for the end-to-end tests (io_error_test.py): it makes the write,
// fsync or close calls on files whose path contains a given string fail with a given errno, the
// way a disk quota (EDQUOT) or a failing device or network file system (EIO) makes them fail.
// RLIMIT_FSIZE and a full tmpfs (disk_full_test.py) cover EFBIG and ENOSPC; those two cannot
// produce EDQUOT or EIO, nor a failure that appears only at fsync or close.
//
// Set in the environment of the program under test:
//   BF_FAULT_PATH   a substring of the path (as /proc/self/fd/N names it) of the files to fail;
//                   ending in '$', the end of the path (to fail a directory, not the files in it)
//   BF_FAULT_OP     write (write, pwrite, writev; the default), fsync (fsync, fdatasync) or close
//   BF_FAULT_ERRNO  EIO (the default), EDQUOT, ENOSPC or EFBIG
//   BF_FAULT_SKIP   the number of matching calls that succeed before the first failure (default 0)
// From then on every matching call fails, as a full quota or a dead device keeps failing. A
// failed close still closes the descriptor, as close(2) does on Linux. Without BF_FAULT_PATH the
// library changes nothing.
#include <errno.h>
#include <fcntl.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace {

enum class Op { kWrite, kFsync, kClose };

struct Fault {
  const char* path = nullptr;
  Op op = Op::kWrite;
  int err = EIO;
  long skip = 0;
};

int errno_named(const char* name) {
  if (name == nullptr || std::strcmp(name, "EIO") == 0) return EIO;
  if (std::strcmp(name, "EDQUOT") == 0) return EDQUOT;
  if (std::strcmp(name, "ENOSPC") == 0) return ENOSPC;
  if (std::strcmp(name, "EFBIG") == 0) return EFBIG;
  std::fprintf(stderr, "fault_fs: BF_FAULT_ERRNO=%s is not EIO, EDQUOT, ENOSPC or EFBIG\n", name);
  std::abort();
}

Op op_named(const char* name) {
  if (name == nullptr || std::strcmp(name, "write") == 0) return Op::kWrite;
  if (std::strcmp(name, "fsync") == 0) return Op::kFsync;
  if (std::strcmp(name, "close") == 0) return Op::kClose;
  std::fprintf(stderr, "fault_fs: BF_FAULT_OP=%s is not write, fsync or close\n", name);
  std::abort();
}

const Fault& fault() {
  static const Fault f = [] {
    Fault r;
    r.path = std::getenv("BF_FAULT_PATH");
    if (r.path != nullptr && *r.path == '\0') r.path = nullptr;
    r.op = op_named(std::getenv("BF_FAULT_OP"));
    r.err = errno_named(std::getenv("BF_FAULT_ERRNO"));
    const char* skip = std::getenv("BF_FAULT_SKIP");
    r.skip = skip ? std::atol(skip) : 0;
    return r;
  }();
  return f;
}

std::atomic<long> matched{0};

// True when this call (op on fd) is to fail; sets errno then.
bool inject(Op op, int fd) {
  const Fault& f = fault();
  if (f.path == nullptr || f.op != op || fd < 0) return false;
  char link[64], target[4096];
  std::snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
  const ssize_t n = ::readlink(link, target, sizeof target - 1);
  if (n <= 0) return false;
  target[n] = '\0';
  const size_t len = std::strlen(f.path);
  if (len > 0 && f.path[len - 1] == '$') {  // a suffix
    const size_t want = len - 1, have = static_cast<size_t>(n);
    if (have < want || std::strncmp(target + have - want, f.path, want) != 0) return false;
  } else if (std::strstr(target, f.path) == nullptr) {
    return false;
  }
  if (matched.fetch_add(1) < f.skip) return false;
  errno = f.err;
  return true;
}

}  // namespace

extern "C" {

ssize_t write(int fd, const void* buf, size_t count) {
  if (inject(Op::kWrite, fd)) return -1;
  return ::syscall(SYS_write, fd, buf, count);
}

ssize_t pwrite(int fd, const void* buf, size_t count, off_t offset) {
  if (inject(Op::kWrite, fd)) return -1;
  return ::syscall(SYS_pwrite64, fd, buf, count, offset);
}

ssize_t pwrite64(int fd, const void* buf, size_t count, off_t offset) {
  return pwrite(fd, buf, count, offset);
}

ssize_t writev(int fd, const struct iovec* iov, int iovcnt) {
  if (inject(Op::kWrite, fd)) return -1;
  return ::syscall(SYS_writev, fd, iov, iovcnt);
}

int fsync(int fd) {
  if (inject(Op::kFsync, fd)) return -1;
  return static_cast<int>(::syscall(SYS_fsync, fd));
}

int fdatasync(int fd) {
  if (inject(Op::kFsync, fd)) return -1;
  return static_cast<int>(::syscall(SYS_fdatasync, fd));
}

int close(int fd) {
  const bool fail = inject(Op::kClose, fd);
  const int rc = static_cast<int>(::syscall(SYS_close, fd));
  if (fail) {
    errno = fault().err;
    return -1;
  }
  return rc;
}

}  // extern "C"
