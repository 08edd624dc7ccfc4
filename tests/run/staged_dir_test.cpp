#include "run/staged_dir.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "fs/fs.h"
#include "testutil.h"

namespace bertforge {
namespace {

using testing::read_text;
using testing::TempDir;
using testing::write_text;

std::vector<std::string> entries(const std::string& dir) {
  std::vector<std::string> out;
  for (const auto& e : std::filesystem::directory_iterator(dir))
    out.push_back(e.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

TEST(StagedDir, PublishCreatesTheTargetWhole) {
  TempDir tmp;
  const std::string target = tmp.path() + "/final";
  {
    StagedDir staged(target);
    EXPECT_EQ(fs::parent(staged.path()), tmp.path());
    EXPECT_EQ(fs::filename(staged.path()).rfind(".tmp-final-", 0), 0u) << staged.path();
    write_text(staged.file("a"), "1");
    EXPECT_FALSE(fs::exists(target));  // not visible before publish
    staged.publish();
  }
  EXPECT_EQ(read_text(target + "/a"), "1");
  EXPECT_EQ(entries(tmp.path()), std::vector<std::string>{"final"});
}

TEST(StagedDir, PublishReplacesAnExistingTarget) {
  TempDir tmp;
  const std::string target = tmp.path() + "/final";
  fs::make_dirs(target);
  write_text(target + "/old-only", "x");
  StagedDir staged(target);
  write_text(staged.file("a"), "new");
  staged.publish();
  EXPECT_EQ(entries(target), std::vector<std::string>{"a"});
  EXPECT_EQ(entries(tmp.path()), std::vector<std::string>{"final"});  // no .old-final left
}

TEST(StagedDir, UnpublishedIsRemovedAndTheTargetKept) {
  TempDir tmp;
  const std::string target = tmp.path() + "/final";
  fs::make_dirs(target);
  write_text(target + "/a", "old");
  {
    StagedDir staged(target);
    write_text(staged.file("a"), "half-written");
  }  // e.g. an exception while writing
  EXPECT_EQ(read_text(target + "/a"), "old");
  EXPECT_EQ(entries(tmp.path()), std::vector<std::string>{"final"});
}

TEST(StagedDir, PublishIntoKeepsTheTargetsOtherFiles) {
  TempDir tmp;
  const std::string target = tmp.path() + "/export";
  fs::make_dirs(target);
  write_text(target + "/README.md", "mine");
  write_text(target + "/config.json", "old");
  StagedDir staged(target);
  write_text(staged.file("config.json"), "new");
  staged.publish_into();
  EXPECT_EQ(read_text(target + "/README.md"), "mine");
  EXPECT_EQ(read_text(target + "/config.json"), "new");
  EXPECT_EQ(entries(tmp.path()), std::vector<std::string>{"export"});
}

}  // namespace
}  // namespace bertforge
