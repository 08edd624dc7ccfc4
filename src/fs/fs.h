// File-system helpers. Everything bertforge publishes is written to a temporary path, synced and
// renamed into place, so that an interrupted run never leaves a file that looks complete.
#pragma once

#include <string>
#include <vector>

namespace bertforge::fs {

bool exists(const std::string& path);
bool is_dir(const std::string& path);
// Creates a directory and its parents (no error if it exists).
void make_dirs(const std::string& path);
// Removes a file or a directory tree (no error if missing).
void remove_all(const std::string& path);
// Reads a whole file; throws InputError naming the path when it cannot.
std::string read_file(const std::string& path);
// Writes `data` to `path` atomically: a new `path.tmp-<pid>-<random>-<n>`, fsync, rename, fsync of
// the directory. Safe with several processes (even in different containers) writing one path.
void write_file_atomic(const std::string& path, const std::string& data);
// fsync a file or directory by path. A failure that leaves the data's durability unknown (EIO,
// ENOSPC, EDQUOT) throws RuntimeError "cannot sync <path>: <cause>"; a path that cannot be opened
// or a file system that cannot sync directories (EINVAL, EROFS) is not an error.
void sync_path(const std::string& path);
// Renames atomically (throws RuntimeError naming both paths); `rename_sync` also syncs the
// parent directory.
void rename_path(const std::string& from, const std::string& to);
void rename_sync(const std::string& from, const std::string& to);
// Expands shell globs (`*`, `?`, `[...]`) in each pattern, sorted per pattern; a pattern without a
// match throws InputError naming it (`key` is the config key it came from).
std::vector<std::string> expand_globs(const std::vector<std::string>& patterns,
                                      const std::string& key);
// A temporary sibling name for `path` (same directory, so rename is atomic), unique across
// processes, containers and hosts: `path.tmp-<pid>-<random tag>-<counter>`.
std::string temp_sibling(const std::string& path);
// `<pid>-<random tag>-<counter>`: a name part no other call, process or host produces.
std::string unique_tag();
std::string join(const std::string& a, const std::string& b);
std::string parent(const std::string& path);
std::string filename(const std::string& path);
int64_t file_size(const std::string& path);
// Modification time in nanoseconds since the epoch.
int64_t mtime_ns(const std::string& path);

// A file opened for appending (created if missing) whose every write is checked: a failure (a full
// disk, EFBIG past RLIMIT_FSIZE, EIO) throws RuntimeError "cannot write <path>: <cause>" after
// cutting the file back to its size before the failed append, so no torn record is left behind.
class AppendFile {
 public:
  AppendFile() = default;
  explicit AppendFile(const std::string& path);  // throws RuntimeError when it cannot be opened
  AppendFile(AppendFile&& o) noexcept;
  AppendFile& operator=(AppendFile&& o) noexcept;
  AppendFile(const AppendFile&) = delete;
  AppendFile& operator=(const AppendFile&) = delete;
  ~AppendFile();
  void append(const std::string& data);
  bool is_open() const { return fd_ >= 0; }
  void close();
  const std::string& path() const { return path_; }

 private:
  int fd_ = -1;
  std::string path_;
};

}  // namespace bertforge::fs
