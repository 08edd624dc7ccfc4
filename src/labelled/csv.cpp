#include "labelled/csv.h"

#include "corpus/csv_record.h"
#include "errors/errors.h"

namespace bertforge {

// Physical lines (LF or CRLF) fed to the one record parser (corpus/csv_record.h).
std::vector<CsvRecord> parse_delimited(std::string_view text, char delimiter,
                                       const std::string& path) {
  std::vector<CsvRecord> records;
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);  // a UTF-8 byte order mark
  CsvRecordParser parser(delimiter);
  long line = 0, start = 0;
  while (!text.empty()) {
    const size_t end = text.find('\n');
    std::string_view physical = text.substr(0, end);
    text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
    if (!physical.empty() && physical.back() == '\r') physical.remove_suffix(1);
    ++line;
    if (!parser.in_record()) start = line;
    switch (parser.feed(physical)) {
      case CsvRecordParser::kRecord:
        records.push_back({parser.fields(), start});
        break;
      case CsvRecordParser::kError:
        throw InputError(path, line, parser.error(),
                         "quote the whole field, and double any quote inside it");
      default:
        break;
    }
  }
  if (parser.in_record())
    throw InputError(path, start, "a quoted field is never closed",
                     "a double quote inside a quoted field is written \"\"");
  return records;
}

}  // namespace bertforge
