#include "train/checkpoint.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "common/fs.h"
#include "testutil.h"

namespace bertforge {
namespace {

using testing::TempDir;
using testing::write_text;

TEST(Checkpoint, TidyRunDirRepairsInterruptedReplacements) {
  TempDir tmp;
  const std::string run = tmp.path();
  // final/ was renamed away and its replacement never arrived: the old one comes back.
  fs::make_dirs(run + "/.old-final");
  write_text(run + "/.old-final/DONE", "x\n");
  fs::make_dirs(run + "/.tmp-final-1-abc-0");
  // best/ was replaced: the stale .old-best goes, best/ stays.
  fs::make_dirs(run + "/best");
  write_text(run + "/best/DONE", "new\n");
  fs::make_dirs(run + "/.old-best");
  fs::make_dirs(run + "/.tmp-best-1-abc-1");
  // Others' files are left alone.
  write_text(run + "/config.json.tmp-9-abc-0", "{}");
  fs::make_dirs(run + "/.tmp-elsewhere");

  tidy_run_dir(run);
  EXPECT_EQ(testing::read_text(run + "/final/DONE"), "x\n");
  EXPECT_EQ(testing::read_text(run + "/best/DONE"), "new\n");
  for (const char* gone :
       {"/.old-final", "/.old-best", "/.tmp-final-1-abc-0", "/.tmp-best-1-abc-1"})
    EXPECT_FALSE(fs::exists(run + gone)) << gone;
  EXPECT_TRUE(fs::exists(run + "/config.json.tmp-9-abc-0"));
  EXPECT_TRUE(fs::exists(run + "/.tmp-elsewhere"));
}

TEST(Checkpoint, TidyRunDirDropsAnIncompleteOldCopy) {
  TempDir tmp;
  fs::make_dirs(tmp.path() + "/.old-final");  // no DONE: nothing worth restoring
  tidy_run_dir(tmp.path());
  EXPECT_FALSE(fs::exists(tmp.path() + "/final"));
  EXPECT_FALSE(fs::exists(tmp.path() + "/.old-final"));
}

}  // namespace
}  // namespace bertforge
