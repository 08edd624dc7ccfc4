// Fuzz target: a CSV or TSV corpus file as prepare reads it (CorpusReader with data.format csv and
// tsv, text column "text": src/corpus/csv_record.h under it), and the record parser alone fed the
// input's lines. A refusal is a bertforge::Error; a sentence must be non-empty and documents must
// be counted in order, and the parser must never return a record without a field, else the target
// traps.
#include <cstdint>
#include <string>
#include <string_view>

#include "corpus/corpus_reader.h"
#include "corpus/csv_record.h"
#include "errors/errors.h"
#include "fuzz_util.h"

namespace {

void read_corpus(const std::string& path, const char* format) {
  try {
    bertforge::CorpusOptions options;
    options.format = format;
    options.text_field = "text";
    options.replace_invalid_utf8 = true;
    bertforge::CorpusReader reader({path}, options);
    std::string_view s;
    uint64_t doc = 0, last = 0;
    while (reader.next(&s, &doc)) {
      if (s.empty() || doc < last) __builtin_trap();
      last = doc;
    }
  } catch (const bertforge::Error&) {
  }
}

void parse_lines(std::string_view text, char delim) {
  bertforge::CsvRecordParser p(delim, 1 << 16);
  size_t b = 0;
  while (b <= text.size()) {
    size_t e = text.find('\n', b);
    if (e == std::string_view::npos) e = text.size();
    const auto st = p.feed(text.substr(b, e - b));
    if (st == bertforge::CsvRecordParser::kRecord && p.fields().empty()) __builtin_trap();
    if (st == bertforge::CsvRecordParser::kError && p.error().empty()) __builtin_trap();
    b = e + 1;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = bertforge::fuzz::scratch_dir("csv") + "/corpus.csv";
  bertforge::fuzz::write_file(path, data, size);
  read_corpus(path, "csv");
  read_corpus(path, "tsv");
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  parse_lines(text, ',');
  parse_lines(text, '\t');
  return 0;
}
