#include "corpus/corpus_reader.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "data/compress_util.h"
#include "errors/errors.h"
#include "testutil.h"

namespace bertforge {
namespace {

using Docs = std::vector<std::vector<std::string>>;
using testing::TempDir;
using testing::write_text;

Docs read_all(const std::vector<std::string>& files, CorpusOptions options = {}) {
  CorpusReader reader(files, options);
  Docs docs;
  std::vector<std::string> doc;
  while (reader.next_document(&doc)) docs.push_back(doc);
  return docs;
}

std::string error_of(const std::vector<std::string>& files, CorpusOptions options = {}) {
  try {
    read_all(files, options);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

CorpusOptions jsonl() {
  CorpusOptions o;
  o.format = "jsonl";
  return o;
}

CorpusOptions with(const std::string& format, const std::string& field) {
  CorpusOptions o;
  o.format = format;
  o.text_field = field;
  return o;
}

TEST(CorpusReaderTest, TextDocumentsAreSeparatedByBlankLines) {
  TempDir tmp;
  // Several blank lines, a whitespace-only line, CRLF, surrounding spaces and no final newline.
  write_text(tmp.file("a.txt"), "One.\nTwo.\n\n\n  Three.  \r\n \t \nFour.\r\nFive.");
  Docs want = {{"One.", "Two."}, {"Three."}, {"Four.", "Five."}};
  EXPECT_EQ(read_all({tmp.file("a.txt")}), want);
}

TEST(CorpusReaderTest, EveryFileEndsADocumentAndIndicesContinue) {
  TempDir tmp;
  write_text(tmp.file("a.txt"), "\n\nA1.\nA2.\n");
  write_text(tmp.file("b.txt"), "B1.\n\nC1.\n\n");
  CorpusReader reader({tmp.file("a.txt"), tmp.file("b.txt")}, {});
  std::string_view s;
  uint64_t doc;
  std::vector<std::pair<std::string, uint64_t>> got;
  while (reader.next(&s, &doc)) got.emplace_back(std::string(s), doc);
  std::vector<std::pair<std::string, uint64_t>> want = {
      {"A1.", 0}, {"A2.", 0}, {"B1.", 1}, {"C1.", 2}};
  EXPECT_EQ(got, want);
  EXPECT_EQ(reader.documents(), 3u);
  // 10 bytes in a.txt ("\n\nA1.\nA2.\n"), 10 in b.txt ("B1.\n\nC1.\n\n").
  EXPECT_EQ(reader.total_bytes(), 20);
  EXPECT_EQ(reader.bytes_read(), 20);
}

TEST(CorpusReaderTest, JsonlSplitsTheTextIntoSentences) {
  TempDir tmp;
  write_text(tmp.file("c.jsonl"),
             "{\"id\": 1, \"text\": \"First one.\\nSecond one.\\n\\n\"}\n"
             "\n"
             "{\"text\": \"  Alone.  \", \"other\": [1, 2]}\n"
             "{\"text\": \"\"}\n"
             "{\"text\": \"Caf\\u00e9 \\u2603.\"}\n");
  Docs want = {{"First one.", "Second one."}, {"Alone."}, {"Caf\xC3\xA9 \xE2\x98\x83."}};
  EXPECT_EQ(read_all({tmp.file("c.jsonl")}, jsonl()), want);
}

TEST(CorpusReaderTest, JsonlCustomField) {
  TempDir tmp;
  write_text(tmp.file("c.jsonl"), "{\"body\": \"X.\\nY.\"}\n");
  CorpusOptions o = jsonl();
  o.text_field = "body";
  Docs want = {{"X.", "Y."}};
  EXPECT_EQ(read_all({tmp.file("c.jsonl")}, o), want);
}

TEST(CorpusReaderTest, TextAndJsonlOfTheSameCorpusAgree) {
  TempDir tmp;
  testing::write_corpus(tmp.file("c.txt"), 40, 7);
  testing::write_corpus_jsonl(tmp.file("c.jsonl"), 40, 7);
  Docs text = read_all({tmp.file("c.txt")});
  EXPECT_EQ(text.size(), 40u);
  EXPECT_EQ(text, read_all({tmp.file("c.jsonl")}, jsonl()));
}

TEST(CorpusReaderTest, JsonlErrorsNameFileAndLine) {
  TempDir tmp;
  write_text(tmp.file("bad.jsonl"), "{\"text\": \"ok\"}\n{\"text\": \"unterminated}\n");
  std::string e = error_of({tmp.file("bad.jsonl")}, jsonl());
  EXPECT_NE(e.find("bad.jsonl:2: malformed JSON"), std::string::npos) << e;

  write_text(tmp.file("nofield.jsonl"), "{\"text\": \"ok\"}\n\n{\"body\": \"x\"}\n");
  e = error_of({tmp.file("nofield.jsonl")}, jsonl());
  EXPECT_NE(e.find("nofield.jsonl:3: missing field \"text\""), std::string::npos) << e;

  write_text(tmp.file("type.jsonl"), "{\"text\": 5}\n");
  e = error_of({tmp.file("type.jsonl")}, jsonl());
  EXPECT_NE(e.find("type.jsonl:1: field \"text\" is not a string"), std::string::npos) << e;

  write_text(tmp.file("array.jsonl"), "[1, 2]\n");
  e = error_of({tmp.file("array.jsonl")}, jsonl());
  EXPECT_NE(e.find("array.jsonl:1: expected a JSON object"), std::string::npos) << e;
}

TEST(CorpusReaderTest, InvalidUtf8IsAnErrorWithFileAndLine) {
  TempDir tmp;
  write_text(tmp.file("u.txt"), "Fine.\n\nAlso fine \xC3\xA9.\nBroken \xC3( here.\n");
  std::string e = error_of({tmp.file("u.txt")});
  EXPECT_NE(e.find("u.txt:4: invalid UTF-8 at byte 8"), std::string::npos) << e;
  EXPECT_NE(e.find("data.invalid_utf8=replace"), std::string::npos) << e;
}

TEST(CorpusReaderTest, InvalidUtf8CanBeReplaced) {
  TempDir tmp;
  write_text(tmp.file("u.txt"), "Broken \xC3( here \xFF.\n");
  CorpusOptions o;
  o.replace_invalid_utf8 = true;
  Docs want = {{"Broken \xEF\xBF\xBD( here \xEF\xBF\xBD."}};
  EXPECT_EQ(read_all({tmp.file("u.txt")}, o), want);
}

TEST(CorpusReaderTest, InvalidUtf8InJsonlIsReportedBeforeParsing) {
  TempDir tmp;
  write_text(tmp.file("u.jsonl"), "{\"text\": \"ok\"}\n{\"text\": \"bad \xE2\x82\"}\n");
  std::string e = error_of({tmp.file("u.jsonl")}, jsonl());
  EXPECT_NE(e.find("u.jsonl:2: invalid UTF-8"), std::string::npos) << e;
}

TEST(Utf8Test, FindsInvalidSequences) {
  EXPECT_EQ(find_invalid_utf8("plain ascii text, longer than eight bytes"), std::string::npos);
  EXPECT_EQ(find_invalid_utf8("\xC3\xA9\xE2\x98\x83\xF0\x9F\x98\x80"), std::string::npos);
  EXPECT_EQ(find_invalid_utf8("\xF4\x8F\xBF\xBF"), std::string::npos);  // U+10FFFF
  EXPECT_EQ(find_invalid_utf8("ab\xC0\x80"), 2u);                       // overlong NUL
  EXPECT_EQ(find_invalid_utf8("\xE0\x80\xAF"), 0u);                     // overlong '/'
  EXPECT_EQ(find_invalid_utf8("x\xED\xA0\x80"), 1u);                    // surrogate D800
  EXPECT_EQ(find_invalid_utf8("\xF4\x90\x80\x80"), 0u);                 // > U+10FFFF
  EXPECT_EQ(find_invalid_utf8("12345678\xE2\x98"), 8u);                 // truncated
  EXPECT_EQ(find_invalid_utf8("\x80"), 0u);                             // lone continuation
}

TEST(Utf8Test, ReplacesMaximalSubparts) {
  // E2 98 is a truncated 3-byte sequence: one U+FFFD; then 'x'; a lone FF: one more.
  EXPECT_EQ(replace_invalid_utf8("\xE2\x98x\xFF"), "\xEF\xBF\xBDx\xEF\xBF\xBD");
  EXPECT_EQ(replace_invalid_utf8("ok \xC3\xA9"), "ok \xC3\xA9");
}

TEST(CorpusReaderTest, LineOverOneMegabyteIsAnError) {
  TempDir tmp;
  std::string text = "Short.\n" + std::string(kMaxLineBytes + 1, 'a') + "\nAfter.\n";
  write_text(tmp.file("long.txt"), text);
  std::string e = error_of({tmp.file("long.txt")});
  EXPECT_NE(e.find("long.txt:2: line longer than 1 MiB"), std::string::npos) << e;

  // Exactly 1 MiB is still fine.
  write_text(tmp.file("edge.txt"), std::string(kMaxLineBytes, 'b') + "\n");
  Docs docs = read_all({tmp.file("edge.txt")});
  ASSERT_EQ(docs.size(), 1u);
  EXPECT_EQ(docs[0][0].size(), kMaxLineBytes);
}

TEST(CorpusReaderTest, ManyLinesAcrossBufferRefills) {
  TempDir tmp;
  // 300k lines of 20 bytes = 6 MB, more than one read block.
  std::string text;
  for (int i = 0; i < 300000; ++i) {
    char line[32];
    std::snprintf(line, sizeof line, "Sentence %09d.\n", i);
    text += line;
    if (i % 1000 == 999) text += "\n";
  }
  write_text(tmp.file("big.txt"), text);
  CorpusReader reader({tmp.file("big.txt")}, {});
  std::string_view s;
  uint64_t doc;
  int n = 0;
  while (reader.next(&s, &doc)) {
    char want[32];
    std::snprintf(want, sizeof want, "Sentence %09d.", n);
    ASSERT_EQ(s, want);
    ASSERT_EQ(doc, static_cast<uint64_t>(n / 1000));
    ++n;
  }
  EXPECT_EQ(n, 300000);
}

TEST(CorpusReaderTest, MissingFileIsAnInputError) {
  TempDir tmp;
  try {
    CorpusReader reader({tmp.file("nope.txt")}, {});
    FAIL() << "no error";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("nope.txt: no such file"), std::string::npos) << e.what();
    EXPECT_EQ(e.exit_code(), 1);
  }
  try {
    CorpusReader reader({tmp.path()}, {});
    FAIL() << "no error";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("is a directory"), std::string::npos) << e.what();
  }
}

TEST(CorpusReaderTest, EmptyCorpusHasNoDocuments) {
  TempDir tmp;
  write_text(tmp.file("empty.txt"), "\n \n\n");
  EXPECT_TRUE(read_all({tmp.file("empty.txt")}).empty());
}

TEST(CorpusReaderTest, JsonlNestedFieldPath) {
  TempDir tmp;
  write_text(tmp.file("n.jsonl"),
             "{\"meta\": {\"body\": \"A.\\nB.\"}, \"text\": \"top\"}\n"
             "{\"meta.body\": \"Dotted key wins.\", \"meta\": {\"body\": \"no\"}}\n");
  Docs want = {{"A.", "B."}, {"Dotted key wins."}};
  EXPECT_EQ(read_all({tmp.file("n.jsonl")}, with("jsonl", "meta.body")), want);

  write_text(tmp.file("miss.jsonl"), "{\"meta\": {\"body\": \"x\"}}\n{\"meta\": {}}\n");
  std::string e = error_of({tmp.file("miss.jsonl")}, with("jsonl", "meta.body"));
  EXPECT_NE(e.find("miss.jsonl:2: missing field \"meta.body\""), std::string::npos) << e;
  write_text(tmp.file("num.jsonl"), "{\"meta\": {\"body\": 7}}\n");
  e = error_of({tmp.file("num.jsonl")}, with("jsonl", "meta.body"));
  EXPECT_NE(e.find("num.jsonl:1: field \"meta.body\" is not a string (got number)"),
            std::string::npos)
      << e;
  write_text(tmp.file("notobj.jsonl"), "{\"meta\": \"flat\"}\n");
  e = error_of({tmp.file("notobj.jsonl")}, with("jsonl", "meta.body"));
  EXPECT_NE(e.find("notobj.jsonl:1: missing field"), std::string::npos) << e;
}

TEST(CorpusReaderTest, CsvRowsAreDocumentsSplitAtLineBreaks) {
  TempDir tmp;
  // A BOM, CRLF line ends, a quoted field with a comma, quotes and two line breaks, a blank line.
  write_text(tmp.file("c.csv"),
             "\xEF\xBB\xBFid,body,lang\r\n"
             "1,\"First, with \"\"quotes\"\".\r\nSecond.\r\n\r\nThird.\",en\r\n"
             "\r\n"
             "2,Only one.,de\r\n"
             "3,,fr\n");
  Docs want = {{"First, with \"quotes\".", "Second.", "Third."}, {"Only one."}};
  EXPECT_EQ(read_all({tmp.file("c.csv")}, with("csv", "body")), want);
  write_text(tmp.file("t.tsv"), "body\tid\nOne.\t1\n\"Two.\nThree.\"\t2\n");
  Docs want_tsv = {{"One."}, {"Two.", "Three."}};
  EXPECT_EQ(read_all({tmp.file("t.tsv")}, with("tsv", "body")), want_tsv);
}

TEST(CorpusReaderTest, CsvErrorsNameFileAndLine) {
  TempDir tmp;
  write_text(tmp.file("cols.csv"), "id,text\n1,fine\n2,a,b\n");
  std::string e = error_of({tmp.file("cols.csv")}, with("csv", "text"));
  EXPECT_NE(e.find("cols.csv:3: row has 3 field(s), the header has 2"), std::string::npos) << e;
  write_text(tmp.file("nocol.csv"), "id,body\n1,x\n");
  e = error_of({tmp.file("nocol.csv")}, with("csv", "text"));
  EXPECT_NE(e.find("nocol.csv:1: no column \"text\" in the header (columns: \"id\", \"body\")"),
            std::string::npos)
      << e;
  write_text(tmp.file("open.csv"), "id,text\n1,ok\n2,\"never\nclosed\n");
  e = error_of({tmp.file("open.csv")}, with("csv", "text"));
  EXPECT_NE(e.find("open.csv:3: unterminated quoted field"), std::string::npos) << e;
  write_text(tmp.file("after.csv"), "id,text\n1,\"a\"b\n");
  e = error_of({tmp.file("after.csv")}, with("csv", "text"));
  EXPECT_NE(e.find("after.csv:2: unexpected character after a closing quote"), std::string::npos)
      << e;
}

TEST(CorpusReaderTest, CompressedInputOfEveryFormat) {
  TempDir tmp;
  const std::string text = "One.\nTwo.\n\nThree.\n";
  const std::string jsonl_text = "{\"text\": \"One.\\nTwo.\"}\n{\"text\": \"Three.\"}\n";
  const std::string csv_text = "text\n\"One.\nTwo.\"\nThree.\n";
  write_text(tmp.file("a.txt.gz"), testing::gzip_bytes(text));
  write_text(tmp.file("a.jsonl.zst"), testing::zstd_bytes(jsonl_text));
  write_text(tmp.file("a.csv.gz"), testing::gzip_bytes(csv_text));
  Docs want = {{"One.", "Two."}, {"Three."}};
  EXPECT_EQ(read_all({tmp.file("a.txt.gz")}), want);
  EXPECT_EQ(read_all({tmp.file("a.jsonl.zst")}, jsonl()), want);
  EXPECT_EQ(read_all({tmp.file("a.csv.gz")}, with("csv", "text")), want);
  // Progress counts compressed bytes: the whole file at the end.
  CorpusReader r({tmp.file("a.txt.gz")}, {});
  std::vector<std::string> doc;
  while (r.next_document(&doc)) {
  }
  EXPECT_EQ(r.bytes_read(), r.total_bytes());
}

TEST(CorpusReaderTest, TruncatedCompressedFileNamesFileAndLine) {
  TempDir tmp;
  std::string text;
  for (int i = 0; i < 20000; ++i) text += "Sentence number " + std::to_string(i) + ".\n";
  const std::string gz = testing::gzip_bytes(text);
  write_text(tmp.file("cut.txt.gz"), gz.substr(0, gz.size() * 3 / 4));
  const std::string e = error_of({tmp.file("cut.txt.gz")});
  // The lines before the cut were read: the error names a line far into the file.
  EXPECT_NE(e.find("cut.txt.gz:"), std::string::npos) << e;
  EXPECT_NE(e.find("truncated gzip stream"), std::string::npos) << e;
  const size_t colon = e.find("cut.txt.gz:") + std::string("cut.txt.gz:").size();
  EXPECT_GT(std::stol(e.substr(colon)), 1000) << e;
}

}  // namespace
}  // namespace bertforge
