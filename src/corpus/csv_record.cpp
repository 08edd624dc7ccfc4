#include "corpus/csv_record.h"

namespace bertforge {

CsvRecordParser::CsvRecordParser(char delimiter, size_t max_record_bytes)
    : delim_(delimiter), max_bytes_(max_record_bytes) {}

CsvRecordParser::Status CsvRecordParser::fail(std::string what) {
  error_ = std::move(what);
  open_ = false;
  fields_.clear();
  return kError;
}

CsvRecordParser::Status CsvRecordParser::feed(std::string_view line) {
  if (!open_) {
    if (line.empty()) return kBlank;
    fields_.clear();
    fields_.emplace_back();
    bytes_ = 0;
  } else {
    fields_.back() += '\n';  // the line break inside the quoted field
  }
  bytes_ += line.size() + 1;
  if (bytes_ > max_bytes_)
    return fail("record longer than " + std::to_string(max_bytes_ >> 20) +
                " MiB (an unterminated quote?)");
  size_t i = 0;
  bool quoted = open_;
  for (;;) {
    if (quoted) {  // inside a quoted field: up to the closing quote
      const size_t q = line.find('"', i);
      if (q == std::string_view::npos) {
        fields_.back().append(line.substr(i));
        open_ = true;
        return kNeedMore;
      }
      fields_.back().append(line.substr(i, q - i));
      if (q + 1 < line.size() && line[q + 1] == '"') {  // "" is one quote
        fields_.back() += '"';
        i = q + 2;
        continue;
      }
      open_ = quoted = false;
      i = q + 1;
      if (i == line.size()) return kRecord;
      if (line[i] != delim_)
        return fail("unexpected character after a closing quote (column " + std::to_string(i + 1) +
                    "): a quoted field must end at a delimiter or the end of the line");
      ++i;
      fields_.emplace_back();
      continue;
    }
    if (i < line.size() && line[i] == '"') {  // a field starting with a quote is quoted
      quoted = true;
      ++i;
      continue;
    }
    const size_t d = line.find(delim_, i);
    if (d == std::string_view::npos) {
      fields_.back().append(line.substr(i));
      return kRecord;
    }
    fields_.back().append(line.substr(i, d - i));
    i = d + 1;
    fields_.emplace_back();
  }
}

}  // namespace bertforge
