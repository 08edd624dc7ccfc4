// A directory built under a temporary name beside its target and published whole: the one
// mechanism for checkpoints, exports and scratch directories. Until it is published, readers of
// the target see the old directory (or none); a crash leaves only a `.tmp-<name>-*` sibling, which
// tidy_run_dir (checkpoints) or the next writer's own clean-up removes.
#pragma once

#include <string>

#include "errors/errors.h"

namespace bertforge {

class StagedDir {
 public:
  // Creates <parent of target>/.tmp-<target's name>-<unique tag> (and the parent if needed).
  explicit StagedDir(const std::string& target);
  // Removes the temporary directory unless it was published. Never throws.
  ~StagedDir();
  StagedDir(const StagedDir&) = delete;
  StagedDir& operator=(const StagedDir&) = delete;

  const std::string& path() const { return tmp_; }
  std::string file(const std::string& name) const;
  // Runs `write`, which fills the directory. An error it throws (a full disk) is rethrown naming
  // the file in the target rather than in the temporary directory: users never see that name.
  template <class F>
  void write_files(F&& write) {
    try {
      write();
    } catch (const Error& e) {
      throw Error(shown(e.what()), e.exit_code());
    }
  }

  // Syncs the files and renames the directory to the target. An existing target is replaced only
  // once the new one is whole: target -> .old-<name>, temporary -> target, .old-<name> removed,
  // then the parent directory is synced. A failing sync (EIO) throws with the new target in place.
  void publish();
  // Syncs the files and renames each over its namesake inside the existing target directory,
  // leaving the target's other files alone (export --force).
  void publish_into();
  // Before a new writer stages `target`: the leftovers of an interrupted one go (every
  // .tmp-<name>-* sibling), and a .old-<name> whose replacement never arrived (no target) is
  // restored when it holds `marker` (its completeness file), else removed. The caller must be the
  // only writer (it holds the run lock).
  static void tidy(const std::string& target, const std::string& marker);

 private:
  std::string shown(std::string message) const;  // message with tmp_ replaced by target_
  std::string target_, tmp_;
  bool published_ = false;
};

}  // namespace bertforge
