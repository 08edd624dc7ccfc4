// An RFC 4180 record parser for CSV (',') and TSV ('\t'), fed one physical line at a time (without
// its line break), so that a record may span lines inside a quoted field.
//
// Rules: fields are separated by the delimiter; a field that starts with '"' is quoted: it ends at
// the next lone '"', "" inside it is one '"', and delimiters and line breaks inside it are text (a
// line break is kept as '\n'); after the closing quote only the delimiter or the end of the line
// may follow. A '"' inside an unquoted field is taken literally (as Python's csv module does). A
// line that is empty outside a quoted field is not a record (blank lines are skipped).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace bertforge {

class CsvRecordParser {
 public:
  enum Status { kRecord, kNeedMore, kBlank, kError };

  explicit CsvRecordParser(char delimiter, size_t max_record_bytes = 64u << 20);

  // Feeds the next physical line. kRecord: fields() holds a complete record; kNeedMore: a quoted
  // field continues on the next line; kBlank: an empty line between records; kError: error()
  // says what is wrong (the record is dropped).
  Status feed(std::string_view line);
  // True while a quoted field is open (at the end of the input: an unterminated quote).
  bool in_record() const { return open_; }
  const std::vector<std::string>& fields() const { return fields_; }
  const std::string& error() const { return error_; }

 private:
  Status fail(std::string what);

  char delim_;
  size_t max_bytes_;
  std::vector<std::string> fields_;
  size_t bytes_ = 0;   // bytes of the record so far
  bool open_ = false;  // inside a quoted field that continues past the line
  std::string error_;
};

}  // namespace bertforge
