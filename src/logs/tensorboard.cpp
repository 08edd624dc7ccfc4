#include "logs/tensorboard.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <stdexcept>

#include "console/logging.h"
#include "errors/errors.h"
#include "fs/checksum.h"
#include "fs/fs.h"

namespace bertforge {
namespace {

constexpr const char* kPrefix = "events.out.tfevents.";
constexpr const char* kStagedPrefix = ".staged-events-";  // a rewrite in progress

// ---- protocol buffer wire format: a field key is (number << 3 | wire type) ----

enum Wire : uint32_t { kVarint = 0, kFixed64 = 1, kBytes = 2, kFixed32 = 5 };

void put_varint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7F) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}
void put_key(std::string& out, uint32_t field, Wire wire) { put_varint(out, field << 3 | wire); }
template <class T>
void put_le(std::string& out, T v) {  // x86 and ARM byte order is the wire's (little-endian)
  char b[sizeof(T)];
  std::memcpy(b, &v, sizeof(T));
  out.append(b, sizeof(T));
}
void put_bytes(std::string& out, uint32_t field, const std::string& bytes) {
  put_key(out, field, kBytes);
  put_varint(out, bytes.size());
  out += bytes;
}

// A cursor over one message; every read checks the bounds (a damaged record throws).
struct Reader {
  const std::string& s;
  size_t pos = 0, end;
  Reader(const std::string& str, size_t from, size_t to) : s(str), pos(from), end(to) {}
  bool done() const { return pos >= end; }
  uint64_t varint() {
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos >= end) throw std::out_of_range("varint");
      const auto b = static_cast<uint8_t>(s[pos++]);
      v |= uint64_t(b & 0x7F) << shift;
      if (!(b & 0x80)) return v;
    }
    throw std::out_of_range("varint");
  }
  template <class T>
  T fixed() {
    if (end - pos < sizeof(T)) throw std::out_of_range("fixed");
    T v;
    std::memcpy(&v, s.data() + pos, sizeof(T));
    pos += sizeof(T);
    return v;
  }
  Reader sub() {  // a length-delimited field's contents
    const uint64_t n = varint();
    if (n > end - pos) throw std::out_of_range("length");
    Reader r(s, pos, pos + n);
    pos += n;
    return r;
  }
  std::string str() {
    Reader r = sub();
    return s.substr(r.pos, r.end - r.pos);
  }
  void skip(uint32_t wire) {
    switch (wire) {
      case kVarint:
        varint();
        break;
      case kFixed64:
        fixed<uint64_t>();
        break;
      case kBytes:
        sub();
        break;
      case kFixed32:
        fixed<uint32_t>();
        break;
      default:
        throw std::out_of_range("wire type");
    }
  }
};

// ---- tensorflow.Event: wall_time = 1 (double), step = 2 (int64), then one of file_version = 3,
// summary = 5 (Summary.value = 1: Value.tag = 1, Value.simple_value = 2), session_log = 7
// (SessionLog.status = 1, START = 1) ----

std::string encode(const TensorBoardEvent& e, const char* file_version = nullptr) {
  std::string out;
  put_key(out, 1, kFixed64);
  put_le(out, e.wall_time);
  put_key(out, 2, kVarint);
  put_varint(out, static_cast<uint64_t>(e.step));
  if (file_version) {
    put_bytes(out, 3, file_version);
  } else if (e.start) {
    std::string session_log;
    put_key(session_log, 1, kVarint);
    put_varint(session_log, 1);
    put_bytes(out, 7, session_log);
  } else {
    std::string summary;
    for (const auto& [tag, value] : e.values) {
      std::string v;
      put_bytes(v, 1, tag);
      put_key(v, 2, kFixed32);
      put_le(v, value);
      put_bytes(summary, 1, v);
    }
    put_bytes(out, 5, summary);
  }
  return out;
}

// Returns false for an event that is not ours to keep (the file-version header, other kinds).
bool decode(Reader r, TensorBoardEvent* e) {
  bool useful = false;
  while (!r.done()) {
    const uint64_t key = r.varint();
    const auto field = static_cast<uint32_t>(key >> 3), wire = static_cast<uint32_t>(key & 7);
    if (field == 1 && wire == kFixed64) {
      e->wall_time = r.fixed<double>();
      if (!std::isfinite(e->wall_time)) e->wall_time = 0;  // a damaged time: keep the point
    } else if (field == 2 && wire == kVarint) {
      e->step = static_cast<int64_t>(r.varint());
    } else if (field == 5 && wire == kBytes) {
      Reader summary = r.sub();
      while (!summary.done()) {
        const uint64_t k = summary.varint();
        if (k != (1u << 3 | kBytes)) {
          summary.skip(k & 7);
          continue;
        }
        Reader value = summary.sub();
        std::string tag;
        bool has_value = false;
        float v = 0;
        while (!value.done()) {
          const uint64_t vk = value.varint();
          if (vk == (1u << 3 | kBytes)) {
            tag = value.str();
          } else if (vk == (2u << 3 | kFixed32)) {
            v = value.fixed<float>();
            has_value = true;
          } else {
            value.skip(vk & 7);
          }
        }
        if (has_value) e->values.emplace_back(tag, v);
      }
      useful = !e->values.empty();
    } else if (field == 7 && wire == kBytes) {
      Reader session_log = r.sub();
      while (!session_log.done()) {
        const uint64_t k = session_log.varint();
        if (k == (1u << 3 | kVarint))
          e->start = session_log.varint() == 1;
        else
          session_log.skip(k & 7);
      }
      useful = e->start;
    } else {
      r.skip(wire);
    }
  }
  return useful;
}

// ---- TFRecord framing: uint64 length, masked CRC of it, data, masked CRC of the data ----

uint32_t masked_crc(const char* p, size_t n) {
  const uint32_t c = crc32c(p, n);
  return ((c >> 15) | (c << 17)) + 0xa282ead8u;
}

std::string frame(const std::string& data) {
  std::string rec;
  put_le(rec, static_cast<uint64_t>(data.size()));
  put_le(rec, masked_crc(rec.data(), 8));
  rec += data;
  put_le(rec, masked_crc(data.data(), data.size()));
  return rec;
}

double now_seconds() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string host_name() {
  char buf[256] = {};
  if (gethostname(buf, sizeof(buf) - 1) != 0 || !buf[0]) return "localhost";
  return buf;
}

// The event files of `dir` in the order TensorBoard reads them (by name); leftover temporary
// files of an interrupted rewrite are removed.
std::vector<std::string> event_files(const std::string& dir) {
  std::vector<std::string> files;
  if (!fs::is_dir(dir)) return files;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    const std::string name = e.path().filename().string();
    if (name.rfind(kStagedPrefix, 0) == 0)
      fs::remove_all(e.path().string());  // an interrupted rewrite; its source files are intact
    else if (name.rfind(kPrefix, 0) == 0)
      files.push_back(e.path().string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

// `events.out.tfevents.<seconds>.<sequence>.<host>`: sorts after every file in `existing` even if
// the clock went back (TensorBoard reads files in name order).
std::string new_file_name(const std::vector<std::string>& existing) {
  long long secs = static_cast<long long>(now_seconds()), seq = 0;
  for (const auto& path : existing) {
    // "<seconds>.<sequence>.<host>" (a name of another form counts with sequence 0)
    const std::string name = fs::filename(path);
    const char* p = name.c_str() + std::strlen(kPrefix);
    char* end = nullptr;
    errno = 0;
    const long long s = std::strtoll(p, &end, 10);
    if (end == p || errno == ERANGE || s < 0) continue;
    long long q = 0;
    if (*end == '.') {
      const char* qp = end + 1;
      q = std::strtoll(qp, &end, 10);
      if (end == qp || errno == ERANGE || q < 0 || *end != '.') q = 0;
    }
    if (s > secs) secs = s, seq = 0;
    if (s == secs) seq = std::max(seq, q);
  }
  char name[96];
  std::snprintf(name, sizeof(name), "%s%010lld.%06lld.", kPrefix, secs, seq + 1);
  return name + host_name();
}

}  // namespace

std::vector<TensorBoardEvent> read_tensorboard_events(const std::string& path) {
  const std::string data = fs::read_file(path);
  std::vector<TensorBoardEvent> events;
  size_t pos = 0;
  // A record is 16 bytes of framing plus its data; anything shorter at the end is a torn record.
  while (data.size() - pos >= 16) {
    uint64_t n;
    uint32_t crc;
    std::memcpy(&n, data.data() + pos, 8);
    std::memcpy(&crc, data.data() + pos + 8, 4);
    if (crc != masked_crc(data.data() + pos, 8) || n > data.size() - pos - 16) break;
    std::memcpy(&crc, data.data() + pos + 12 + n, 4);
    if (crc != masked_crc(data.data() + pos + 12, n)) break;
    TensorBoardEvent e;
    try {
      if (decode(Reader(data, pos + 12, pos + 12 + n), &e)) events.push_back(std::move(e));
    } catch (const std::out_of_range&) {
      break;  // a record that passed its CRC but is not an Event: treat as the end
    }
    pos += 16 + n;
  }
  return events;
}

TensorBoardLog::TensorBoardLog(const std::string& dir, int64_t resumed_from_step, bool enabled) {
  try {
    const std::vector<std::string> old = event_files(dir);
    if (old.empty() && !enabled) return;
    // The points TensorBoard would show, per tag and step: later files win, a START at step k
    // drops the points at steps >= k read before it; then the steps after the resume point go.
    std::map<std::string, std::map<int64_t, std::pair<double, float>>> points;
    if (resumed_from_step >= 0) {
      for (const auto& path : old)
        for (const auto& e : read_tensorboard_events(path)) {
          if (e.start)
            for (auto& [tag, by_step] : points)
              by_step.erase(by_step.lower_bound(e.step), by_step.end());
          for (const auto& [tag, value] : e.values) points[tag][e.step] = {e.wall_time, value};
        }
      for (auto& [tag, by_step] : points)
        by_step.erase(by_step.upper_bound(resumed_from_step), by_step.end());
    }
    // Regrouped as logged: the tags of one step and time in one event.
    std::map<std::pair<int64_t, double>, TensorBoardEvent> events;
    for (const auto& [tag, by_step] : points)
      for (const auto& [step, wv] : by_step) {
        TensorBoardEvent& e = events[{step, wv.first}];
        e.step = step, e.wall_time = wv.first;
        e.values.emplace_back(tag, wv.second);
      }
    std::string file;
    TensorBoardEvent header;
    header.wall_time = now_seconds();
    file += frame(encode(header, "brain.Event:2"));
    for (const auto& [key, e] : events) file += frame(encode(e));
    // For readers that still hold older files' points: drop what comes after the resume point.
    TensorBoardEvent start;
    start.wall_time = header.wall_time;
    start.step = resumed_from_step + 1;
    start.start = true;
    file += frame(encode(start));

    fs::make_dirs(dir);
    const std::string path = fs::join(dir, new_file_name(old));
    // Written under a name TensorBoard does not read (no "tfevents"), synced, then renamed.
    const std::string staged = fs::join(dir, kStagedPrefix + fs::unique_tag());
    fs::write_file_atomic(staged, file);
    fs::rename_sync(staged, path);
    for (const auto& p : old) fs::remove_all(p);
    if (!enabled) {
      if (events.empty()) fs::remove_all(path);
      return;
    }
    out_ = fs::AppendFile(path);
  } catch (const RuntimeError&) {
    throw;  // a write failed (a full disk): the run stops, as for the .jsonl logs
  } catch (const std::exception& ex) {
    log::warn("tensorboard: {} (training goes on without it)", ex.what());
    out_.close();
  }
}

void TensorBoardLog::scalars(const std::string& prefix, int64_t step,
                             const nlohmann::json& fields) {
  if (!out_.is_open()) return;
  TensorBoardEvent e;
  e.wall_time = now_seconds();
  e.step = step;
  for (const auto& [key, value] : fields.items())
    if (key != "step" && value.is_number())
      e.values.emplace_back(prefix + "/" + key, value.get<float>());
  out_.append(frame(encode(e)));
}

}  // namespace bertforge
