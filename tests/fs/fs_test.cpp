#include "fs/fs.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "testutil.h"

namespace bertforge {
namespace {

using testing::TempDir;

std::vector<std::string> names_in(const std::string& dir) {
  std::vector<std::string> out;
  for (const auto& e : std::filesystem::directory_iterator(dir))
    out.push_back(e.path().filename().string());
  return out;
}

TEST(FsTest, WriteFileAtomicReplacesAndLeavesNoTemporary) {
  TempDir tmp;
  const std::string p = tmp.file("config.json");
  fs::write_file_atomic(p, "first\n");
  fs::write_file_atomic(p, "second\n");
  EXPECT_EQ(testing::read_text(p), "second\n");
  EXPECT_EQ(names_in(tmp.path()), std::vector<std::string>{"config.json"});
}

TEST(FsTest, TempNamesCarryARandomTagBesidesThePid) {
  // Two processes in different containers often share a pid; the tag keeps their names apart.
  const std::string a = fs::temp_sibling("/x/config.json");
  const std::string b = fs::temp_sibling("/x/config.json");
  EXPECT_NE(a, b);
  const std::string prefix = "/x/config.json.tmp-" + std::to_string(::getpid()) + "-";
  ASSERT_EQ(a.rfind(prefix, 0), 0u) << a;
  const std::string rest = a.substr(prefix.size());  // <16 hex>-<counter>
  ASSERT_GT(rest.size(), 17u) << a;
  EXPECT_EQ(rest.find_first_not_of("0123456789abcdef"), 16u) << a;
  EXPECT_EQ(rest[16], '-');
}

TEST(FsTest, ConcurrentWritersOfOnePathAllSucceed) {
  TempDir tmp;
  const std::string p = tmp.file("config.json");
  std::set<std::string> payloads;
  for (int t = 0; t < 4; ++t) payloads.insert(std::string(4096, char('a' + t)));
  std::vector<std::thread> threads;
  std::vector<std::string> errors(4);
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      try {
        for (int i = 0; i < 50; ++i) fs::write_file_atomic(p, std::string(4096, char('a' + t)));
      } catch (const std::exception& e) {
        errors[t] = e.what();
      }
    });
  for (auto& th : threads) th.join();
  for (const auto& e : errors) EXPECT_EQ(e, "");
  EXPECT_EQ(payloads.count(testing::read_text(p)), 1u);  // one writer's whole content
  EXPECT_EQ(names_in(tmp.path()), std::vector<std::string>{"config.json"});
}

}  // namespace
}  // namespace bertforge
