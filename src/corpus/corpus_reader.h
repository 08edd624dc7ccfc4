// Streaming reader of a text corpus: yields sentences one at a time, each tagged with the document
// it belongs to, so that a corpus of any size (or one huge document) is read in bounded memory.
//
// Formats:
//   text   one sentence per line, a blank (or whitespace-only) line between documents; every file
//          ends a document. Leading/trailing whitespace of a sentence is trimmed.
//   jsonl  one JSON object per line; the string field `text_field` (a dotted path such as
//          "meta.body" reaches into nested objects; a top-level key spelled with the dot wins) is
//          a document. Blank JSONL lines are ignored.
//   csv    RFC 4180 (corpus/csv_record.h) with a header row; the column named `text_field` of each
//   tsv    row is a document; every row must have the header's number of fields.
// A document of jsonl/csv/tsv is one string whose lines are its sentences (trimmed; blank lines
// inside it are skipped) -- the same rule as text input, where a document is its lines.
// Every file may be gzip- or zstd-compressed (recognised by content: corpus/byte_stream.h).
// Every line is checked to be UTF-8 (error naming file:line, or replaced with U+FFFD); lines
// longer than kMaxLineBytes are an error naming file:line.
#pragma once

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace bertforge {

struct DataConfig;

constexpr size_t kMaxLineBytes = 1 << 20;  // 1 MiB

struct CorpusOptions {
  std::string format = "text";      // text | jsonl | csv | tsv
  std::string text_field = "text";  // jsonl field (dotted path) / csv column with the text
  bool replace_invalid_utf8 = false;
  static CorpusOptions from(const DataConfig& d);
};

// Checks that `s` is valid UTF-8 (no overlongs, no surrogates, <= U+10FFFF). Returns the byte
// offset of the first invalid sequence, or std::string::npos when valid.
size_t find_invalid_utf8(std::string_view s);
// Replaces every invalid sequence (maximal invalid subpart) with U+FFFD.
std::string replace_invalid_utf8(std::string_view s);

class ByteStream;
class CsvRecordParser;

class CorpusReader {
 public:
  // Opens nothing yet; files are read in order. Throws InputError for a file that is missing or
  // unreadable when it is reached.
  CorpusReader(std::vector<std::string> files, CorpusOptions options);
  ~CorpusReader();
  CorpusReader(const CorpusReader&) = delete;
  CorpusReader& operator=(const CorpusReader&) = delete;

  // Reads the next non-empty sentence into `sentence` (valid until the next call). `doc` receives
  // the 0-based index of its document (counting only documents that have at least one sentence).
  // Returns false at the end of the corpus.
  bool next(std::string_view* sentence, uint64_t* doc);
  // Reads a whole document (convenience for tests and small inputs; a huge document needs the
  // memory of its text). Returns false at the end.
  bool next_document(std::vector<std::string>* sentences);

  // Bytes consumed so far over all files, and the total size of all files (for progress).
  // (Compressed files count their compressed bytes.)
  int64_t bytes_read() const;
  int64_t total_bytes() const { return total_bytes_; }
  uint64_t documents() const { return docs_started_; }  // documents started so far

 private:
  bool read_line(std::string_view* line);  // raw line of the current file, without '\n'
  bool open_next_file();
  void close_file();
  bool next_text(std::string_view* sentence);
  bool next_structured(std::string_view* sentence);  // jsonl, csv, tsv: a string per document
  bool load_jsonl_document();                        // false at the end of the file
  bool load_csv_document();
  std::string_view check_utf8(std::string_view line);

  std::vector<std::string> files_;
  CorpusOptions options_;
  std::vector<std::string> field_path_;  // text_field split at '.'
  size_t file_index_ = 0;
  std::unique_ptr<ByteStream> stream_;
  std::string path_;
  long line_no_ = 0;
  std::vector<char> buf_;
  size_t buf_begin_ = 0, buf_end_ = 0;
  bool eof_ = false;
  int64_t bytes_done_ = 0, pos_in_file_ = 0, total_bytes_ = 0;
  std::string fixed_;  // replaced-UTF-8 copy of the current line
  // Document tracking.
  bool in_doc_ = false;  // a sentence of the current document was returned
  uint64_t docs_started_ = 0;
  // csv/tsv: the parser, the header's width and the text column (-1 before the header).
  std::unique_ptr<CsvRecordParser> csv_;
  size_t columns_ = 0;
  long text_column_ = -1;
  // jsonl/csv/tsv: the current document's text and the position of the next sentence in it.
  std::string doc_text_;
  size_t doc_pos_ = 0;
  bool have_doc_text_ = false;
  // next_document: a sentence read ahead that belongs to the next document.
  bool pending_ = false;
  std::string pending_sentence_;
  uint64_t pending_doc_ = 0;
};

}  // namespace bertforge
