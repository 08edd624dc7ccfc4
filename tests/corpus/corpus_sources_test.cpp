#include "corpus/corpus_sources.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "config/config.h"
#include "errors/errors.h"
#include "testutil.h"

namespace bertforge {
namespace {

using testing::TempDir;
using testing::write_text;

std::string error_of(const std::vector<std::string>& entries) {
  try {
    expand_corpus_files(entries, "data.train_files");
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(CorpusSourcesTest, DirectoriesExpandRecursivelySortedWithoutHiddenFiles) {
  TempDir tmp;
  namespace stdfs = std::filesystem;
  for (const char* d : {"c/b", "c/a/z", "c/.git"}) stdfs::create_directories(tmp.file(d));
  for (const char* f : {"c/b/2.txt", "c/a/z/1.gz", "c/a/0.zst", "c/10.txt", "c/9.txt", "c/.hidden",
                        "c/.git/config", "single.txt"})
    write_text(tmp.file(f), "x\n");
  const std::vector<std::string> got =
      expand_corpus_files({tmp.file("single.txt"), tmp.file("c")}, "data.train_files");
  // Byte-wise order of the full paths (not natural order: "10" before "9").
  const std::vector<std::string> want = {tmp.file("single.txt"), tmp.file("c/10.txt"),
                                         tmp.file("c/9.txt"),    tmp.file("c/a/0.zst"),
                                         tmp.file("c/a/z/1.gz"), tmp.file("c/b/2.txt")};
  EXPECT_EQ(got, want);
  // A trailing slash and a glob that matches the directory give the same files.
  EXPECT_EQ(expand_corpus_files({tmp.file("c/")}, "k").size(), 5u);
  EXPECT_EQ(expand_corpus_files({tmp.file("c*")}, "k").size(), 5u);
}

TEST(CorpusSourcesTest, EmptyDirectoryAndMissingPathAreErrors) {
  TempDir tmp;
  std::filesystem::create_directories(tmp.file("empty/.only-hidden"));
  std::string e = error_of({tmp.file("empty")});
  EXPECT_NE(e.find("empty: directory holds no files (from data.train_files)"), std::string::npos)
      << e;
  e = error_of({tmp.file("nope/*.txt")});
  EXPECT_NE(e.find("no such file (from data.train_files)"), std::string::npos) << e;
}

TEST(CorpusSourcesTest, UnnamedOrNamedSources) {
  TempDir tmp;
  write_text(tmp.file("a.txt"), "x\n");
  write_text(tmp.file("b.txt"), "y\n");
  DataConfig d;
  d.train_files = {tmp.file("a.txt")};
  auto s = corpus_sources(d);
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0].name, "");
  EXPECT_EQ(s[0].files_key, "data.train_files");
  EXPECT_TRUE(s[0].valid_files.empty());
  d.train_files.clear();
  d.sources = {{"dom", {tmp.file("a.txt")}, {}, 0.8},
               {"gen", {tmp.file("b.txt")}, {tmp.file("a.txt")}, 0.2}};
  s = corpus_sources(d);
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(s[1].name, "gen");
  EXPECT_EQ(s[1].files_key, "data.sources[1].files");
  EXPECT_EQ(s[1].valid_files, std::vector<std::string>{tmp.file("a.txt")});
  EXPECT_EQ(corpus_train_files(d),
            (std::vector<std::string>{tmp.file("a.txt"), tmp.file("b.txt")}));
  d.sources.clear();
  EXPECT_THROW(corpus_sources(d), ConfigError);
}

}  // namespace
}  // namespace bertforge
