#include "run/staged_dir.h"

#include <filesystem>
#include <system_error>
#include <vector>

#include "console/logging.h"
#include "fs/fs.h"

namespace bertforge {
namespace stdfs = std::filesystem;

StagedDir::StagedDir(const std::string& target) : target_(target) {
  const std::string parent = fs::parent(target);
  fs::make_dirs(parent);
  tmp_ = fs::join(parent, ".tmp-" + fs::filename(target) + "-" + fs::unique_tag());
  fs::make_dirs(tmp_);
}

StagedDir::~StagedDir() {
  if (published_) return;
  std::error_code ec;
  stdfs::remove_all(tmp_, ec);
}

std::string StagedDir::file(const std::string& name) const { return fs::join(tmp_, name); }

std::string StagedDir::shown(std::string message) const {
  for (size_t at = message.find(tmp_); at != std::string::npos; at = message.find(tmp_, at))
    message.replace(at, tmp_.size(), target_), at += target_.size();
  return message;
}

namespace {
void sync_tree(const std::string& dir) {
  std::error_code ec;
  for (const auto& e : stdfs::directory_iterator(dir, ec)) fs::sync_path(e.path().string());
  fs::sync_path(dir);
}
}  // namespace

// The renames come first and the one directory sync last: a sync that fails (EIO) then leaves
// the new output whole in place, never the old one moved aside and the new one not yet in.
void StagedDir::publish() {
  sync_tree(tmp_);
  if (fs::exists(target_)) {
    const std::string old = fs::join(fs::parent(target_), ".old-" + fs::filename(target_));
    fs::remove_all(old);
    fs::rename_path(target_, old);
    try {
      fs::rename_path(tmp_, target_);
    } catch (const std::exception&) {
      std::error_code ec;
      stdfs::rename(old, target_, ec);  // the old output back in its place
      throw;
    }
    published_ = true;
    fs::remove_all(old);
  } else {
    fs::rename_path(tmp_, target_);
    published_ = true;
  }
  fs::sync_path(fs::parent(target_));
}

void StagedDir::publish_into() {
  sync_tree(tmp_);
  for (const auto& e : stdfs::directory_iterator(tmp_))
    fs::rename_path(e.path().string(), fs::join(target_, e.path().filename().string()));
  published_ = true;
  fs::remove_all(tmp_);
  fs::sync_path(target_);
}

void StagedDir::tidy(const std::string& target, const std::string& marker) {
  const std::string parent = fs::parent(target), name = fs::filename(target);
  const std::string old = fs::join(parent, ".old-" + name);
  if (fs::exists(old)) {
    if (!fs::exists(target) && fs::exists(fs::join(old, marker))) {
      log::warn("restoring {} from {} (its replacement was interrupted)", target, old);
      fs::rename_sync(old, target);
    } else {
      fs::remove_all(old);
    }
  }
  const std::string prefix = ".tmp-" + name + "-";
  std::error_code ec;
  std::vector<std::string> doomed;
  for (const auto& e : stdfs::directory_iterator(parent, ec))
    if (e.path().filename().string().rfind(prefix, 0) == 0) doomed.push_back(e.path().string());
  for (const auto& p : doomed) fs::remove_all(p);
}

}  // namespace bertforge
