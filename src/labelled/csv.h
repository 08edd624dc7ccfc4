// Delimited text (CSV, TSV) records per RFC 4180: fields separated by the delimiter, a field that
// starts with a double quote runs to the closing quote ("" inside is one quote, and it may hold
// delimiters and line breaks); records end at LF or CRLF. A quote inside an unquoted field is a
// literal character (GLUE's TSV files). A whole text split by the one record parser,
// corpus/csv_record.h. Torch-free.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace bertforge {

struct CsvRecord {
  std::vector<std::string> fields;
  long line = 0;  // 1-based line where the record starts
};

// Splits `text` into records. A blank line is skipped. Throws InputError naming `path` and the
// line for a quote that is never closed or a closing quote followed by other characters.
std::vector<CsvRecord> parse_delimited(std::string_view text, char delimiter,
                                       const std::string& path);

}  // namespace bertforge
