#include "data/corpus_reader.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <nlohmann/json.hpp>

#include "common/config.h"
#include "common/errors.h"
#include "common/fs.h"

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
  if (options_.format != "text" && options_.format != "jsonl")
    throw ConfigError("data.format", "must be one of text | jsonl (got '" + options_.format + "')");
  for (const auto& f : files_) {
    if (!fs::exists(f)) throw InputError(f, 0, "no such file");
    if (fs::is_dir(f)) throw InputError(f, 0, "is a directory, expected a text file");
    if (::access(f.c_str(), R_OK) != 0)
      throw InputError(f, 0, std::string("cannot read file: ") + std::strerror(errno));
    total_bytes_ += fs::file_size(f);
  }
}

CorpusReader::~CorpusReader() { close_file(); }

void CorpusReader::close_file() {
  if (file_) std::fclose(file_);
  file_ = nullptr;
}

bool CorpusReader::open_next_file() {
  if (file_) bytes_done_ += pos_in_file_;
  close_file();
  pos_in_file_ = 0;
  if (file_index_ >= files_.size()) return false;
  path_ = files_[file_index_++];
  file_ = std::fopen(path_.c_str(), "rb");
  if (!file_) throw InputError(path_, 0, std::string("cannot open file: ") + std::strerror(errno));
  if (buf_.empty()) buf_.resize(kReadBlock + kMaxLineBytes + 2);
  buf_begin_ = buf_end_ = 0;
  eof_ = false;
  line_no_ = 0;
  return true;
}

bool CorpusReader::read_line(std::string_view* line) {
  if (!file_) return false;
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
      size_t got = std::fread(buf_.data() + buf_end_, 1, buf_.size() - buf_end_, file_);
      if (got == 0) {
        if (std::ferror(file_))
          throw InputError(path_, line_no_ + 1, std::string("read error: ") + std::strerror(errno));
        eof_ = true;
      }
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

bool CorpusReader::next_jsonl(std::string_view* sentence) {
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
    std::string_view raw;
    if (!read_line(&raw)) {
      if (!open_next_file()) return false;
      continue;
    }
    std::string_view line = check_utf8(raw);
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
    if (!j.is_object())
      throw InputError(path_, line_no_,
                       "expected a JSON object with a \"" + options_.text_field + "\" field");
    auto it = j.find(options_.text_field);
    if (it == j.end())
      throw InputError(path_, line_no_, "missing field \"" + options_.text_field + "\"",
                       "set data.text_field to the field that holds the text");
    if (!it->is_string())
      throw InputError(path_, line_no_, "field \"" + options_.text_field + "\" is not a string");
    doc_text_ = it->get<std::string>();
    doc_pos_ = 0;
    have_doc_text_ = true;
    in_doc_ = false;
  }
}

bool CorpusReader::next(std::string_view* sentence, uint64_t* doc) {
  if (pending_) {
    pending_ = false;
    *sentence = pending_sentence_;
    *doc = pending_doc_;
    return true;
  }
  if (!file_ && file_index_ == 0 && !open_next_file()) return false;
  bool ok = options_.format == "jsonl" ? next_jsonl(sentence) : next_text(sentence);
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
