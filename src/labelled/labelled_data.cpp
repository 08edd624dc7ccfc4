#include "labelled/labelled_data.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <nlohmann/json.hpp>

#include "corpus/corpus_reader.h"
#include "errors/errors.h"
#include "fs/fs.h"
#include "labelled/csv.h"

namespace bertforge {
using json = nlohmann::json;

LabelledFormat LabelledFormat::from(const FinetuneConfig& f) {
  LabelledFormat l;
  l.task = f.task;
  l.format = f.format;
  l.text_field = f.text_field;
  l.text_pair_field = f.text_pair_field;
  l.label_field = f.label_field;
  l.tokens_field = f.tokens_field;
  l.tags_field = f.tags_field;
  return l;
}

namespace {

bool blank(const std::string& s) { return s.find_first_not_of(" \t\r\n\f\v") == std::string::npos; }

// A text field: present, non-blank.
std::string require_text(const std::string& value, bool present, const std::string& field,
                         const std::string& path, long line) {
  if (!present) throw InputError(path, line, "no field '" + field + "'");
  if (blank(value)) throw InputError(path, line, "empty text in field '" + field + "'");
  return value;
}

// A regression label written as text (CSV/TSV): the whole string a finite number.
double parse_number(const std::string& s, const std::string& field, const std::string& path,
                    long line) {
  const char* begin = s.c_str();
  char* end = nullptr;
  const double v = std::strtod(begin, &end);
  if (s.empty() || end != begin + s.size() || !std::isfinite(v))
    throw InputError(path, line, "label '" + s + "' in field '" + field + "' is not a number",
                     "regression labels are numbers");
  return v;
}

std::string json_type(const json& v) {
  if (v.is_string()) return "a string";
  if (v.is_number_float()) return "a fractional number";
  if (v.is_number()) return "an integer";
  if (v.is_boolean()) return "a boolean";
  if (v.is_array()) return "a list";
  if (v.is_object()) return "an object";
  return "null";
}

std::vector<std::string> string_list(const json& obj, const std::string& field,
                                     const std::string& path, long line) {
  auto it = obj.find(field);
  if (it == obj.end()) throw InputError(path, line, "no field '" + field + "'");
  if (!it->is_array())
    throw InputError(path, line,
                     "field '" + field + "' is " + json_type(*it) + ", expected a list");
  std::vector<std::string> out;
  for (const json& e : *it) {
    if (!e.is_string())
      throw InputError(path, line,
                       "field '" + field + "' holds " + json_type(e) + ", expected strings");
    out.push_back(e.get<std::string>());
  }
  return out;
}

void read_label(const json& obj, const LabelledFormat& f, const std::string& path, long line,
                LabelledExample* ex) {
  auto it = obj.find(f.label_field);
  if (it == obj.end()) throw InputError(path, line, "no label field '" + f.label_field + "'");
  const json& v = *it;
  if (f.task == "regression") {
    if (!v.is_number())
      throw InputError(path, line,
                       "label in field '" + f.label_field + "' is " + json_type(v) +
                           ", expected a number (task regression)");
    ex->value = v.get<double>();
    return;
  }
  if (v.is_string() && !blank(v.get<std::string>())) {
    ex->label = v.get<std::string>();
  } else if (v.is_number_integer() || v.is_number_unsigned() || v.is_boolean()) {
    ex->label = v.dump();
  } else {
    throw InputError(path, line,
                     "label in field '" + f.label_field + "' is " +
                         (v.is_string() ? std::string("empty") : json_type(v)) +
                         ", expected a string or an integer (task classification)");
  }
}

LabelledExample from_json_line(std::string_view text, const LabelledFormat& f,
                               const std::string& path, long line) {
  json obj;
  try {
    obj = json::parse(text);
  } catch (const json::exception&) {
    throw InputError(path, line, "not a JSON object",
                     "finetune.format is jsonl: one JSON object a line");
  }
  if (!obj.is_object())
    throw InputError(path, line, "not a JSON object",
                     "finetune.format is jsonl: one JSON object a line");
  LabelledExample ex;
  ex.line = line;
  if (f.task == "token_classification") {
    ex.tokens = string_list(obj, f.tokens_field, path, line);
    if (ex.tokens.empty()) throw InputError(path, line, "no words in '" + f.tokens_field + "'");
    for (const auto& w : ex.tokens)
      if (blank(w)) throw InputError(path, line, "an empty word in '" + f.tokens_field + "'");
    if (!f.need_labels) return ex;
    ex.tags = string_list(obj, f.tags_field, path, line);
    if (ex.tags.size() != ex.tokens.size())
      throw InputError(path, line,
                       std::to_string(ex.tokens.size()) + " words but " +
                           std::to_string(ex.tags.size()) + " tags");
    for (const auto& t : ex.tags)
      if (blank(t)) throw InputError(path, line, "an empty tag in '" + f.tags_field + "'");
    return ex;
  }
  auto text_of = [&](const std::string& field) {
    auto it = obj.find(field);
    if (it != obj.end() && !it->is_string())
      throw InputError(path, line,
                       "field '" + field + "' is " + json_type(*it) + ", expected a string");
    return require_text(it != obj.end() ? it->get<std::string>() : "", it != obj.end(), field, path,
                        line);
  };
  ex.text = text_of(f.text_field);
  if (!f.text_pair_field.empty()) ex.text_pair = text_of(f.text_pair_field);
  if (f.need_labels) read_label(obj, f, path, line, &ex);
  return ex;
}

std::vector<LabelledExample> from_jsonl(std::string_view content, const LabelledFormat& f,
                                        const std::string& path) {
  std::vector<LabelledExample> out;
  long line = 0;
  size_t pos = 0;
  while (pos < content.size()) {
    size_t nl = content.find('\n', pos);
    if (nl == std::string_view::npos) nl = content.size();
    std::string_view text = content.substr(pos, nl - pos);
    pos = nl + 1;
    ++line;
    if (blank(std::string(text))) continue;
    out.push_back(from_json_line(text, f, path, line));
  }
  return out;
}

std::vector<LabelledExample> from_delimited(std::string_view content, const LabelledFormat& f,
                                            const std::string& path) {
  const char delimiter = f.format == "tsv" ? '\t' : ',';
  std::vector<CsvRecord> records = parse_delimited(content, delimiter, path);
  if (records.empty()) return {};
  const std::vector<std::string>& header = records[0].fields;
  auto column = [&](const std::string& name, bool required) {
    for (size_t i = 0; i < header.size(); ++i)
      if (header[i] == name) return static_cast<int>(i);
    if (!required) return -1;
    std::string names;
    for (const auto& h : header) names += (names.empty() ? "" : ", ") + h;
    throw InputError(path, records[0].line, "the header has no column '" + name + "'",
                     "its columns: " + names + " (the first row names the columns)");
  };
  const int text_col = column(f.text_field, true);
  const int pair_col = f.text_pair_field.empty() ? -1 : column(f.text_pair_field, true);
  const int label_col = column(f.label_field, f.need_labels);
  std::vector<LabelledExample> out;
  for (size_t r = 1; r < records.size(); ++r) {
    const CsvRecord& rec = records[r];
    if (rec.fields.size() != header.size())
      throw InputError(path, rec.line,
                       std::to_string(rec.fields.size()) + " columns, the header has " +
                           std::to_string(header.size()),
                       "quote a field that holds the delimiter");
    LabelledExample ex;
    ex.line = rec.line;
    ex.text = require_text(rec.fields[text_col], true, f.text_field, path, rec.line);
    if (pair_col >= 0)
      ex.text_pair = require_text(rec.fields[pair_col], true, f.text_pair_field, path, rec.line);
    if (f.need_labels) {
      const std::string& label = rec.fields[label_col];
      if (blank(label))
        throw InputError(path, rec.line, "empty label in column '" + f.label_field + "'");
      if (f.task == "regression")
        ex.value = parse_number(label, f.label_field, path, rec.line);
      else
        ex.label = label;
    }
    out.push_back(std::move(ex));
  }
  return out;
}

}  // namespace

std::vector<LabelledExample> parse_labelled(std::string_view content, const std::string& path,
                                            const LabelledFormat& f) {
  const size_t bad = find_invalid_utf8(content);
  if (bad != std::string::npos) {
    const long line =
        1 + static_cast<long>(std::count(content.begin(), content.begin() + bad, '\n'));
    throw InputError(path, line, "invalid UTF-8");
  }
  std::vector<LabelledExample> out =
      f.format == "jsonl" ? from_jsonl(content, f, path) : from_delimited(content, f, path);
  if (out.empty())
    throw InputError(path, 0, "no examples",
                     f.format == "jsonl" ? "expected one JSON object a line"
                                         : "expected a header row, then one row an example");
  return out;
}

std::vector<LabelledExample> read_labelled(const std::string& path, const LabelledFormat& format) {
  if (!fs::exists(path)) throw InputError(path, 0, "no such file");
  if (fs::is_dir(path)) throw InputError(path, 0, "is a directory, expected a data file");
  return parse_labelled(fs::read_file(path), path, format);
}

}  // namespace bertforge
