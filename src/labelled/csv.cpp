#include "labelled/csv.h"

#include "common/errors.h"

namespace bertforge {

namespace {
// Reads one quoted field starting at text[i] == '"'; returns it and moves i past the closing quote.
std::string quoted_field(std::string_view text, size_t& i, long& line, long start_line,
                         const std::string& path) {
  std::string out;
  ++i;
  while (true) {
    if (i >= text.size())
      throw InputError(path, start_line, "a quoted field is never closed",
                       "a double quote inside a quoted field is written \"\"");
    const char ch = text[i];
    if (ch == '"') {
      if (i + 1 < text.size() && text[i + 1] == '"') {
        out += '"';
        i += 2;
        continue;
      }
      ++i;
      return out;
    }
    if (ch == '\n') ++line;
    out += ch;
    ++i;
  }
}
}  // namespace

std::vector<CsvRecord> parse_delimited(std::string_view text, char delimiter,
                                       const std::string& path) {
  std::vector<CsvRecord> records;
  size_t i = 0;
  long line = 1;
  if (text.substr(0, 3) == "\xEF\xBB\xBF") i = 3;  // a UTF-8 byte order mark
  while (i < text.size()) {
    CsvRecord rec;
    rec.line = line;
    std::string field;
    bool end = false;
    while (!end) {
      if (i < text.size() && text[i] == '"' && field.empty()) {
        field = quoted_field(text, i, line, rec.line, path);
        if (i < text.size() && text[i] != delimiter && text[i] != '\n' &&
            !(text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n'))
          throw InputError(path, line, "characters after the closing quote of a field",
                           "quote the whole field, and double any quote inside it");
      }
      while (i < text.size() && text[i] != delimiter && text[i] != '\n') field += text[i++];
      if (i >= text.size() || text[i] == '\n') {
        if (!field.empty() && field.back() == '\r') field.pop_back();
        end = true;
        if (i < text.size()) ++line;
      }
      ++i;
      rec.fields.push_back(std::move(field));
      field.clear();
    }
    const bool blank = rec.fields.size() == 1 && rec.fields[0].empty();
    if (!blank) records.push_back(std::move(rec));
  }
  return records;
}

}  // namespace bertforge
