#include "data/shard.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "data/dataset.h"
#include "errors/errors.h"
#include "fs/checksum.h"
#include "fs/fs.h"
#include "testutil.h"

namespace bertforge {
namespace {

using testing::TempDir;
const std::string kSum(64, 'a');

std::vector<int> ids_of(const TokenSpan& s) {
  std::vector<int> v;
  for (uint32_t i = 0; i < s.size; ++i) v.push_back(s[i]);
  return v;
}

std::string error_of(const std::string& path, const std::string& checksum = "") {
  try {
    ShardReader r(path, checksum);
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

TEST(ShardTest, RoundTripUint16) {
  TempDir tmp;
  ShardWriter w(8000, kSum);
  w.add_document({{5, 6, 7}, {}, {7999}});
  w.add_document({});        // skipped: no sentences
  w.add_document({{}, {}});  // skipped: only empty sentences
  w.add_document({{10, 11}});
  EXPECT_EQ(w.num_docs(), 2u);
  EXPECT_EQ(w.num_sentences(), 3u);
  EXPECT_EQ(w.num_tokens(), 6u);
  const std::string path = tmp.file("s.bin");
  const std::string sha = w.write(path);
  EXPECT_EQ(sha, sha256_file(path));
  // 128 header + 6 tokens x 2 bytes padded to 16 + (3+1) x 8 sentence starts + (2+1) x 8 docs.
  EXPECT_EQ(fs::file_size(path), 128 + 16 + 32 + 24);
  EXPECT_EQ(w.num_tokens(), 0u);  // reset by write

  ShardReader r(path, kSum);
  EXPECT_EQ(r.header().token_bytes, 2u);
  EXPECT_EQ(r.header().vocab_size, 8000u);
  EXPECT_EQ(r.num_docs(), 2u);
  EXPECT_EQ(r.num_sentences(), 3u);
  EXPECT_EQ(r.num_tokens(), 6u);
  EXPECT_EQ(r.doc_first_sentence(0), 0u);
  EXPECT_EQ(r.doc_end_sentence(0), 2u);
  EXPECT_EQ(r.doc_first_sentence(1), 2u);
  EXPECT_EQ(r.doc_end_sentence(1), 3u);
  EXPECT_EQ(ids_of(r.sentence(0)), (std::vector<int>{5, 6, 7}));
  EXPECT_EQ(ids_of(r.sentence(1)), (std::vector<int>{7999}));
  EXPECT_EQ(ids_of(r.sentence(2)), (std::vector<int>{10, 11}));
  EXPECT_FALSE(r.sentence(0).wide);
}

TEST(ShardTest, WideTokensAboveSixtyFiveThousand) {
  TempDir tmp;
  ShardWriter w(70000, kSum);
  w.add_document({{65535, 65536, 69999}});
  const std::string path = tmp.file("w.bin");
  w.write(path);
  // 128 + 3 x 4 bytes padded to 16 + 2 x 8 + 2 x 8.
  EXPECT_EQ(fs::file_size(path), 128 + 16 + 16 + 16);
  ShardReader r(path);
  EXPECT_EQ(r.header().token_bytes, 4u);
  EXPECT_TRUE(r.sentence(0).wide);
  EXPECT_EQ(ids_of(r.sentence(0)), (std::vector<int>{65535, 65536, 69999}));
}

TEST(ShardTest, VocabOfExactly65536StaysNarrow) {
  TempDir tmp;
  ShardWriter w(65536, kSum);
  w.add_document({{65535}});
  w.write(tmp.file("n.bin"));
  ShardReader r(tmp.file("n.bin"));
  EXPECT_EQ(r.header().token_bytes, 2u);
  EXPECT_EQ(ids_of(r.sentence(0)), (std::vector<int>{65535}));
}

TEST(ShardTest, StreamingAddEqualsAddDocument) {
  TempDir tmp;
  ShardWriter a(100, kSum), b(100, kSum);
  a.add_document({{1, 2}, {3}});
  a.add_document({{4}});
  const int s1[] = {1, 2}, s2[] = {3}, s3[] = {4};
  b.add_sentence(s1, 2);
  b.add_sentence(s2, 1);
  EXPECT_EQ(b.open_doc_tokens(), 3u);
  b.end_document();
  EXPECT_EQ(b.open_doc_tokens(), 0u);
  b.add_sentence(s3, 1);
  // write() ends the open document.
  EXPECT_EQ(a.write(tmp.file("a.bin")), b.write(tmp.file("b.bin")));
  EXPECT_EQ(testing::read_text(tmp.file("a.bin")), testing::read_text(tmp.file("b.bin")));
}

TEST(ShardTest, RejectsIdsOutsideTheVocabulary) {
  ShardWriter w(100, kSum);
  const int bad[] = {100};
  EXPECT_THROW(w.add_sentence(bad, 1), Error);
  const int neg[] = {-1};
  EXPECT_THROW(w.add_sentence(neg, 1), Error);
}

TEST(ShardTest, TruncatedAndCorruptFilesAreRejected) {
  TempDir tmp;
  ShardWriter w(1000, kSum);
  w.add_document({{1, 2, 3}, {4, 5}});
  const std::string path = tmp.file("t.bin");
  w.write(path);
  const std::string bytes = testing::read_text(path);

  testing::write_text(tmp.file("cut.bin"), bytes.substr(0, bytes.size() - 1));
  std::string e = error_of(tmp.file("cut.bin"));
  EXPECT_NE(e.find("cut.bin: truncated shard"), std::string::npos) << e;

  testing::write_text(tmp.file("head.bin"), bytes.substr(0, 100));
  e = error_of(tmp.file("head.bin"));
  EXPECT_NE(e.find("head.bin: truncated shard (100 bytes"), std::string::npos) << e;

  testing::write_text(tmp.file("long.bin"), bytes + std::string(8, '\0'));
  e = error_of(tmp.file("long.bin"));
  EXPECT_NE(e.find("corrupt shard"), std::string::npos) << e;

  std::string magic = bytes;
  magic[0] = 'X';
  testing::write_text(tmp.file("magic.bin"), magic);
  e = error_of(tmp.file("magic.bin"));
  EXPECT_NE(e.find("not a bertforge shard"), std::string::npos) << e;

  std::string version = bytes;
  version[8] = 9;  // the version field follows the 8-byte magic
  testing::write_text(tmp.file("version.bin"), version);
  e = error_of(tmp.file("version.bin"));
  EXPECT_NE(e.find("unsupported shard format version 9"), std::string::npos) << e;

  e = error_of(path, std::string(64, 'b'));
  EXPECT_NE(e.find("made with another tokenizer"), std::string::npos) << e;
  EXPECT_EQ(error_of(path, kSum), "");

  e = error_of(tmp.file("missing.bin"));
  EXPECT_NE(e.find("missing.bin: cannot open shard"), std::string::npos) << e;
}

TEST(ShardTest, HostileHeadersAndIdsAreRejected) {
  // What a reader indexes with must be checked at open: ids against the vocabulary, the vocabulary
  // against kMaxVocabSize (the count baselines allocate a row per id).
  TempDir tmp;
  ShardWriter w(100, kSum);
  w.add_document({{1, 2, 99}});
  const std::string path = tmp.file("t.bin");
  w.write(path);
  const std::string bytes = testing::read_text(path);
  ShardHeader h;
  std::memcpy(&h, bytes.data(), sizeof h);

  std::string ids = bytes;
  ids[sizeof(ShardHeader) + 4] = 100;  // the third id (uint16) becomes 100 = vocab_size
  testing::write_text(tmp.file("ids.bin"), ids);
  std::string e = error_of(tmp.file("ids.bin"));
  EXPECT_NE(e.find("token id 100 outside the vocabulary of 100"), std::string::npos) << e;

  for (uint32_t vocab : {0u, kMaxVocabSize + 1, 0xffffffffu}) {
    ShardHeader bad = h;
    bad.vocab_size = vocab;
    bad.token_bytes = vocab <= 65536 ? 2 : 4;
    std::string b = bytes;
    std::memcpy(&b[0], &bad, sizeof bad);
    testing::write_text(tmp.file("vocab.bin"), b);
    EXPECT_NE(error_of(tmp.file("vocab.bin")).find("corrupt header"), std::string::npos) << vocab;
  }
}

TEST(ShardTest, WriteLeavesNoTemporaryFiles) {
  TempDir tmp;
  ShardWriter w(1000, kSum);
  w.add_document({{1}});
  w.write(tmp.file("x.bin"));
  int files = 0;
  for (const auto& e : std::filesystem::directory_iterator(tmp.path())) {
    (void)e;
    ++files;
  }
  EXPECT_EQ(files, 1);
}

TEST(DatasetTest, FromShardsNumbersDocumentsGlobally) {
  TempDir tmp;
  ShardWriter w(500, kSum);
  w.add_document({{1, 2}, {3}});
  w.write(tmp.file("a.bin"));
  w.write(tmp.file("empty.bin"));  // a shard without documents
  w.add_document({{4}});
  w.add_document({{5, 6, 7}, {8}, {9}});
  w.write(tmp.file("b.bin"));
  Dataset ds = Dataset::from_shards({tmp.file("a.bin"), tmp.file("empty.bin"), tmp.file("b.bin")});
  EXPECT_EQ(ds.num_docs(), 3u);
  EXPECT_EQ(ds.num_sentences(), 6u);
  EXPECT_EQ(ds.num_tokens(), 9u);
  EXPECT_EQ(ds.vocab_size(), 500u);
  EXPECT_EQ(ds.tokenizer_checksum(), kSum);
  EXPECT_EQ(ds.doc_num_sentences(0), 2u);
  EXPECT_EQ(ds.doc_num_sentences(1), 1u);
  EXPECT_EQ(ds.doc_num_sentences(2), 3u);
  EXPECT_EQ(ids_of(ds.sentence(0, 1)), (std::vector<int>{3}));
  EXPECT_EQ(ids_of(ds.sentence(1, 0)), (std::vector<int>{4}));
  EXPECT_EQ(ids_of(ds.sentence(2, 0)), (std::vector<int>{5, 6, 7}));
  EXPECT_EQ(ids_of(ds.sentence(2, 2)), (std::vector<int>{9}));
  EXPECT_THROW(Dataset::from_shards({tmp.file("a.bin")}, std::string(64, 'c')), InputError);
}

}  // namespace
}  // namespace bertforge
