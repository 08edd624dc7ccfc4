#include "logs/tensorboard.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <filesystem>

#include "fs/checksum.h"
#include "testutil.h"

namespace bertforge {
namespace {

using testing::TempDir;
namespace stdfs = std::filesystem;

std::vector<std::string> event_files(const std::string& dir) {
  std::vector<std::string> out;
  for (const auto& e : stdfs::directory_iterator(dir)) out.push_back(e.path().string());
  std::sort(out.begin(), out.end());
  return out;
}

// (step, tag, value) of the scalar events, and the START steps, of the folder's only file.
struct Contents {
  std::vector<std::tuple<int64_t, std::string, float>> scalars;
  std::vector<int64_t> starts;
};
Contents contents(const std::string& dir) {
  auto files = event_files(dir);
  EXPECT_EQ(files.size(), 1u);
  Contents c;
  for (const auto& e : read_tensorboard_events(files.at(0))) {
    if (e.start) c.starts.push_back(e.step);
    for (const auto& [tag, v] : e.values) c.scalars.emplace_back(e.step, tag, v);
  }
  return c;
}

TEST(TensorBoard, WritesReadableScalars) {
  TempDir tmp;
  const std::string dir = tmp.file("tb");
  {
    TensorBoardLog log(dir, -1, true);
    ASSERT_TRUE(log.is_open());
    log.scalars("train", 2, {{"step", 2}, {"loss", 7.5}, {"lr", 1e-4}, {"note", "x"}});
    log.scalars("eval", 2, {{"step", 2}, {"mlm_accuracy", 0.25}, {"examples", 40}});
  }
  Contents c = contents(dir);
  EXPECT_EQ(c.starts, std::vector<int64_t>{0});
  using S = std::tuple<int64_t, std::string, float>;
  // nlohmann::json objects iterate in key order; non-numeric fields and "step" are left out.
  EXPECT_EQ(c.scalars,
            (std::vector<S>{S{2, "train/loss", 7.5f}, S{2, "train/lr", 1e-4f},
                            S{2, "eval/examples", 40.0f}, S{2, "eval/mlm_accuracy", 0.25f}}));
}

// A record torn by a crash ends the file; a resume keeps the steps up to its own, in one new file
// named after every older one (even one from a clock ahead of ours).
TEST(TensorBoard, ResumeRewritesOneFileWithTheKeptSteps) {
  TempDir tmp;
  const std::string dir = tmp.file("tb");
  {
    TensorBoardLog log(dir, -1, true);
    for (int step = 1; step <= 4; ++step) log.scalars("train", step, {{"loss", 10.0 - step}});
  }
  const std::string first = event_files(dir).at(0);
  stdfs::resize_file(first, stdfs::file_size(first) - 3);  // step 4's record is torn
  EXPECT_EQ(read_tensorboard_events(first).size(), 4u);    // START + steps 1-3
  const std::string future = dir + "/events.out.tfevents.9999999999.000007.elsewhere";
  stdfs::copy_file(first, future);
  testing::write_text(dir + "/.staged-events-1-2-3", "an interrupted rewrite");

  {
    TensorBoardLog log(dir, 2, true);
    ASSERT_TRUE(log.is_open());
    EXPECT_EQ(log.path().rfind(dir + "/events.out.tfevents.9999999999.000008.", 0), 0u)
        << log.path();
    log.scalars("train", 3, {{"loss", 0.5}});
  }
  Contents c = contents(dir);  // the old files and the staged one are gone
  using S = std::tuple<int64_t, std::string, float>;
  EXPECT_EQ(c.scalars, (std::vector<S>{S{1, "train/loss", 9.0f}, S{2, "train/loss", 8.0f},
                                       S{3, "train/loss", 0.5f}}));
  EXPECT_EQ(c.starts, std::vector<int64_t>{3});
}

// Damaged tails end the file without reading past it: a torn frame shorter than 16 bytes, and a
// frame whose (correctly checksummed) length points far beyond the end.
TEST(TensorBoard, DamagedTailsEndTheFile) {
  TempDir tmp;
  const std::string dir = tmp.file("tb");
  {
    TensorBoardLog log(dir, -1, true);
    log.scalars("train", 1, {{"loss", 2.0}});
  }
  const std::string path = event_files(dir).at(0);
  const std::string good = testing::read_text(path);
  ASSERT_EQ(read_tensorboard_events(path).size(), 2u);  // START + one scalar event

  std::string huge(8, '\0');
  const uint64_t n = uint64_t{1} << 40;
  std::memcpy(&huge[0], &n, 8);
  const uint32_t c = crc32c(huge.data(), 8);
  const uint32_t masked = ((c >> 15) | (c << 17)) + 0xa282ead8u;
  huge.append(reinterpret_cast<const char*>(&masked), 4);
  for (const std::string& tail : {huge + "x", huge + std::string(3, 'x'), std::string(13, 'y')}) {
    testing::write_text(path, good + tail);
    EXPECT_EQ(read_tensorboard_events(path).size(), 2u) << tail.size();
  }
  // A resume over the damaged file keeps its good points.
  TensorBoardLog resumed(dir, 1, true);
  using S = std::tuple<int64_t, std::string, float>;
  EXPECT_EQ(contents(dir).scalars, (std::vector<S>{S{1, "train/loss", 2.0f}}));
}

TEST(TensorBoard, DisabledDropsAbandonedStepsOrEverything) {
  TempDir tmp;
  const std::string dir = tmp.file("tb");
  {
    TensorBoardLog log(dir, -1, true);
    for (int step = 1; step <= 3; ++step) log.scalars("train", step, {{"loss", 1.0 * step}});
  }
  {
    TensorBoardLog off(dir, 1, false);
    EXPECT_FALSE(off.is_open());
  }
  using S = std::tuple<int64_t, std::string, float>;
  EXPECT_EQ(contents(dir).scalars, (std::vector<S>{S{1, "train/loss", 1.0f}}));
  TensorBoardLog fresh_off(dir, -1, false);
  EXPECT_TRUE(event_files(dir).empty());
  TensorBoardLog nothing(tmp.file("none"), 5, false);  // no folder: nothing created
  EXPECT_FALSE(stdfs::exists(tmp.file("none")));
}

}  // namespace
}  // namespace bertforge
