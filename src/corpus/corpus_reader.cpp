#include "corpus/corpus_reader.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <nlohmann/json.hpp>

#include "config/config.h"
#include "corpus/byte_stream.h"
#include "corpus/csv_record.h"
#include "errors/errors.h"
#include "fs/fs.h"

namespace bertforge {
namespace {

constexpr size_t kReadBlock = 4 << 20;  // bytes per fread; the buffer holds a block + a max line

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v'; }

std::string_view trim(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && is_space(s[b])) ++b;
  while (e > b && is_space(s[e - 1])) --e;
  return s.substr(b, e - b);
}

// Length of the valid UTF-8 sequence at s[i] (1-4), or 0 when it is invalid (then `bad` is the
// length of the maximal invalid subpart, at least 1).
size_t utf8_seq(std::string_view s, size_t i, size_t* bad) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const size_t n = s.size();
  unsigned char c = p[i];
  *bad = 1;
  if (c < 0x80) return 1;
  size_t len;
  unsigned char lo = 0x80, hi = 0xBF;
  if (c >= 0xC2 && c <= 0xDF) {
    len = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    len = 3;
    if (c == 0xE0) lo = 0xA0;  // no overlongs
    if (c == 0xED) hi = 0x9F;  // no surrogates
  } else if (c >= 0xF0 && c <= 0xF4) {
    len = 4;
    if (c == 0xF0) lo = 0x90;  // no overlongs
    if (c == 0xF4) hi = 0x8F;  // <= U+10FFFF
  } else {
    return 0;
  }
  for (size_t k = 1; k < len; ++k) {
    if (i + k >= n) return 0;
    unsigned char b = p[i + k];
    unsigned char l = k == 1 ? lo : 0x80, h = k == 1 ? hi : 0xBF;
    if (b < l || b > h) return 0;
    *bad = k + 1;
  }
  return len;
}

// The value at a dotted path ("meta.body" as {"meta": {"body": ...}}), or null.
const nlohmann::json* find_path(const nlohmann::json& j, const std::vector<std::string>& path) {
  const nlohmann::json* cur = &j;
  for (const auto& k : path) {
    if (!cur->is_object()) return nullptr;
    auto it = cur->find(k);
    if (it == cur->end()) return nullptr;
    cur = &*it;
  }
  return cur;
}

std::string_view strip_bom(std::string_view line) {
  return line.substr(0, 3) == "\xEF\xBB\xBF" ? line.substr(3) : line;
}

// A header's names for an error message (at most ~200 characters).
std::string column_list(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) {
    if (out.size() > 200) return out + ", ...";
    out += (out.empty() ? "\"" : ", \"") + n.substr(0, 40) + "\"";
  }
  return out;
}

}  // namespace

CorpusOptions CorpusOptions::from(const DataConfig& d) {
  CorpusOptions o;
  o.format = d.format;
  o.text_field = d.text_field;
  o.replace_invalid_utf8 = d.invalid_utf8 == "replace";
  return o;
}

size_t find_invalid_utf8(std::string_view s) {
  size_t i = 0;
  const size_t n = s.size();
  while (i < n) {
    // Fast path: 8 ASCII bytes at a time.
    if (i + 8 <= n) {
      uint64_t w;
      std::memcpy(&w, s.data() + i, 8);
      if ((w & 0x8080808080808080ULL) == 0) {
        i += 8;
        continue;
      }
    }
    size_t bad;
    size_t len = utf8_seq(s, i, &bad);
    if (len == 0) return i;
    i += len;
  }
  return std::string::npos;
}

std::string replace_invalid_utf8(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 8);
  size_t i = 0;
  while (i < s.size()) {
    size_t bad;
    size_t len = utf8_seq(s, i, &bad);
    if (len == 0) {
      out += "\xEF\xBF\xBD";
      // A maximal invalid subpart: the lead byte plus the continuation bytes that were valid so
      // far.
      i += bad;
    } else {
      out.append(s.data() + i, len);
      i += len;
    }
  }
  return out;
}

CorpusReader::CorpusReader(std::vector<std::string> files, CorpusOptions options)
    : files_(std::move(files)), options_(std::move(options)) {
  const std::string& fmt = options_.format;
  if (fmt != "text" && fmt != "jsonl" && fmt != "csv" && fmt != "tsv")
    throw ConfigError("data.format", "must be one of text | jsonl | csv | tsv (got '" + fmt + "')");
  size_t b = 0;
  for (;;) {
    const size_t dot = options_.text_field.find('.', b);
    field_path_.push_back(options_.text_field.substr(b, dot - b));
    if (dot == std::string::npos) break;
    b = dot + 1;
  }
  for (const auto& f : files_) {
    if (!fs::exists(f)) throw InputError(f, 0, "no such file");
    if (fs::is_dir(f)) throw InputError(f, 0, "is a directory, expected a text file");
    if (::access(f.c_str(), R_OK) != 0)
      throw InputError(f, 0, std::string("cannot read file: ") + std::strerror(errno));
    total_bytes_ += fs::file_size(f);
  }
}

CorpusReader::~CorpusReader() { close_file(); }

int64_t CorpusReader::bytes_read() const {
  if (!stream_) return bytes_done_;
  return bytes_done_ + (stream_->codec() == Codec::kPlain ? pos_in_file_ : stream_->file_pos());
}

void CorpusReader::close_file() { stream_.reset(); }

bool CorpusReader::open_next_file() {
  if (stream_) bytes_done_ += stream_->file_pos();
  close_file();
  pos_in_file_ = 0;
  if (file_index_ >= files_.size()) return false;
  path_ = files_[file_index_++];
  stream_ = std::make_unique<ByteStream>(path_);
  if (buf_.empty()) buf_.resize(kReadBlock + kMaxLineBytes + 2);
  buf_begin_ = buf_end_ = 0;
  eof_ = false;
  line_no_ = 0;
  if (options_.format == "csv" || options_.format == "tsv") {
    csv_ = std::make_unique<CsvRecordParser>(options_.format == "csv" ? ',' : '\t');
    text_column_ = -1;  // every file has its header
  }
  return true;
}

bool CorpusReader::read_line(std::string_view* line) {
  if (!stream_) return false;
  size_t scan_from = buf_begin_;
  for (;;) {
    const char* start = buf_.data() + buf_begin_;
    const void* nl = std::memchr(buf_.data() + scan_from, '\n', buf_end_ - scan_from);
    size_t len;
    size_t consumed;
    if (nl) {
      len = static_cast<size_t>(static_cast<const char*>(nl) - start);
      consumed = len + 1;
    } else if (eof_) {
      if (buf_begin_ == buf_end_) return false;
      len = consumed = buf_end_ - buf_begin_;
    } else {
      if (buf_end_ - buf_begin_ > kMaxLineBytes + 1) {
        throw InputError(path_, line_no_ + 1,
                         "line longer than 1 MiB (" + std::to_string(kMaxLineBytes) + " bytes)",
                         "the text format wants one sentence per line");
      }
      // Move the partial line to the front and read more.
      size_t keep = buf_end_ - buf_begin_;
      if (buf_begin_ > 0) std::memmove(buf_.data(), buf_.data() + buf_begin_, keep);
      buf_begin_ = 0;
      buf_end_ = keep;
      scan_from = keep;
      size_t got = stream_->read(buf_.data() + buf_end_, buf_.size() - buf_end_, line_no_ + 1);
      if (got == 0) eof_ = true;
      buf_end_ += got;
      continue;
    }
    ++line_no_;
    size_t content = len;
    if (content > 0 && start[content - 1] == '\r') --content;
    if (content > kMaxLineBytes) {
      throw InputError(path_, line_no_,
                       "line longer than 1 MiB (" + std::to_string(content) + " bytes)",
                       "the text format wants one sentence per line");
    }
    *line = std::string_view(start, content);
    buf_begin_ += consumed;
    pos_in_file_ += static_cast<int64_t>(consumed);
    return true;
  }
}

std::string_view CorpusReader::check_utf8(std::string_view line) {
  size_t bad = find_invalid_utf8(line);
  if (bad == std::string::npos) return line;
  if (!options_.replace_invalid_utf8) {
    throw InputError(path_, line_no_,
                     "invalid UTF-8 at byte " + std::to_string(bad + 1) + " of the line",
                     "fix the file or set data.invalid_utf8=replace");
  }
  fixed_ = replace_invalid_utf8(line);
  return fixed_;
}

bool CorpusReader::next_text(std::string_view* sentence) {
  for (;;) {
    std::string_view raw;
    if (!read_line(&raw)) {
      in_doc_ = false;  // a file ends its document
      if (!open_next_file()) return false;
      continue;
    }
    std::string_view s = trim(check_utf8(raw));
    if (s.empty()) {
      in_doc_ = false;
      continue;
    }
    if (!in_doc_) {
      in_doc_ = true;
      ++docs_started_;
    }
    *sentence = s;
    return true;
  }
}

bool CorpusReader::next_structured(std::string_view* sentence) {
  for (;;) {
    if (have_doc_text_) {
      while (doc_pos_ < doc_text_.size()) {
        size_t nl = doc_text_.find('\n', doc_pos_);
        if (nl == std::string::npos) nl = doc_text_.size();
        std::string_view s = trim(std::string_view(doc_text_).substr(doc_pos_, nl - doc_pos_));
        doc_pos_ = nl + 1;
        if (s.empty()) continue;
        if (!in_doc_) {
          in_doc_ = true;
          ++docs_started_;
        }
        *sentence = s;
        return true;
      }
      have_doc_text_ = false;
      in_doc_ = false;
    }
    const bool loaded = options_.format == "jsonl" ? load_jsonl_document() : load_csv_document();
    if (loaded) {
      doc_pos_ = 0;
      have_doc_text_ = true;
      in_doc_ = false;
    } else if (!open_next_file()) {
      return false;
    }
  }
}

bool CorpusReader::load_jsonl_document() {
  std::string_view raw;
  for (;;) {
    if (!read_line(&raw)) return false;
    std::string_view line = check_utf8(raw);
    if (line_no_ == 1) line = strip_bom(line);
    if (trim(line).empty()) continue;
    nlohmann::json j;
    try {
      j = nlohmann::json::parse(line.begin(), line.end());
    } catch (const nlohmann::json::exception& e) {  // parse_error, or out_of_range for 1e999
      std::string msg = e.what();
      auto pos = msg.find("syntax error");
      throw InputError(path_, line_no_,
                       "malformed JSON: " + (pos != std::string::npos ? msg.substr(pos) : msg),
                       "data.format=jsonl wants one JSON object per line");
    }
    const std::string& key = options_.text_field;
    if (!j.is_object())
      throw InputError(path_, line_no_, "expected a JSON object with a \"" + key + "\" field");
    // The key as written first (a key may contain a dot), then the dotted path.
    const nlohmann::json* field = nullptr;
    if (auto it = j.find(key); it != j.end())
      field = &*it;
    else if (field_path_.size() > 1)
      field = find_path(j, field_path_);
    if (!field)
      throw InputError(path_, line_no_, "missing field \"" + key + "\"",
                       "set data.text_field to the field that holds the text (a dotted path such "
                       "as meta.body reaches into nested objects)");
    if (!field->is_string())
      throw InputError(path_, line_no_,
                       "field \"" + key + "\" is not a string (got " + field->type_name() + ")");
    doc_text_ = field->get<std::string>();
    return true;
  }
}

bool CorpusReader::load_csv_document() {
  std::string_view raw;
  long record_line = 0;  // where the record being read starts
  for (;;) {
    if (!read_line(&raw)) {
      if (csv_->in_record())
        throw InputError(path_, record_line, "unterminated quoted field: the file ends inside it",
                         "close the quote; a literal quote inside a quoted field is written \"\"");
      return false;
    }
    std::string_view line = check_utf8(raw);
    if (line_no_ == 1) line = strip_bom(line);
    const CsvRecordParser::Status st = csv_->feed(line);
    if (st == CsvRecordParser::kBlank) continue;
    if (record_line == 0) record_line = line_no_;
    if (st == CsvRecordParser::kNeedMore) continue;
    if (st == CsvRecordParser::kError) throw InputError(path_, line_no_, csv_->error());
    const std::vector<std::string>& fields = csv_->fields();
    if (text_column_ < 0) {  // the header
      for (size_t i = 0; i < fields.size() && text_column_ < 0; ++i)
        if (fields[i] == options_.text_field) text_column_ = static_cast<long>(i);
      if (text_column_ < 0)
        throw InputError(path_, record_line,
                         "no column \"" + options_.text_field +
                             "\" in the header (columns: " + column_list(fields) + ")",
                         "set data.text_field to the column that holds the text; the first row "
                         "is the header");
      columns_ = fields.size();
      record_line = 0;
      continue;
    }
    if (fields.size() != columns_)
      throw InputError(path_, record_line,
                       "row has " + std::to_string(fields.size()) + " field(s), the header has " +
                           std::to_string(columns_),
                       "quote fields that contain the delimiter or a line break (RFC 4180)");
    doc_text_ = fields[static_cast<size_t>(text_column_)];
    return true;
  }
}
bool CorpusReader::next(std::string_view* sentence, uint64_t* doc) {
  if (pending_) {
    pending_ = false;
    *sentence = pending_sentence_;
    *doc = pending_doc_;
    return true;
  }
  if (!stream_ && file_index_ == 0 && !open_next_file()) return false;
  bool ok = options_.format == "text" ? next_text(sentence) : next_structured(sentence);
  if (!ok) return false;
  *doc = docs_started_ - 1;
  return true;
}

bool CorpusReader::next_document(std::vector<std::string>* sentences) {
  sentences->clear();
  std::string_view s;
  uint64_t doc = 0, first_doc = 0;
  while (next(&s, &doc)) {
    if (sentences->empty()) {
      first_doc = doc;
    } else if (doc != first_doc) {
      pending_ = true;
      pending_sentence_.assign(s.data(), s.size());
      pending_doc_ = doc;
      return true;
    }
    sentences->emplace_back(s);
  }
  return !sentences->empty();
}

}  // namespace bertforge
