#include "train/tensorboard.h"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "common/checksum.h"
#include "common/errors.h"
#include "common/fs.h"

namespace bertforge {
namespace {

// Protocol buffer wire format: a field key is (number << 3 | wire type).
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
void put_le(std::string& out, T v) {  // the x86/ARM byte order is the wire's (little-endian)
  char b[sizeof(T)];
  std::memcpy(b, &v, sizeof(T));
  out.append(b, sizeof(T));
}
void put_bytes(std::string& out, uint32_t field, const std::string& bytes) {
  put_key(out, field, kBytes);
  put_varint(out, bytes.size());
  out += bytes;
}

// tensorflow.Event: wall_time = 1 (double), step = 2 (int64), then one of file_version = 3,
// summary = 5, session_log = 7.
std::string event_head(int64_t step) {
  std::string e;
  put_key(e, 1, kFixed64);
  put_le(
      e,
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count());
  put_key(e, 2, kVarint);
  put_varint(e, static_cast<uint64_t>(step));
  return e;
}

// TFRecord's checksum: the CRC rotated right by 15 bits plus a constant.
uint32_t masked_crc(const std::string& s) {
  uint32_t c = crc32c(s.data(), s.size());
  return ((c >> 15) | (c << 17)) + 0xa282ead8u;
}

std::string host_name() {
  char buf[256] = {};
  if (gethostname(buf, sizeof(buf) - 1) != 0 || !buf[0]) return "localhost";
  return buf;
}

constexpr const char* kPrefix = "events.out.tfevents.";

}  // namespace

TensorBoardLog::TensorBoardLog(const std::string& dir, int64_t resumed_from_step) {
  fs::make_dirs(dir);
  // TensorBoard reads a folder's event files in name order: the start time, then a sequence
  // number that orders two starts within the same second.
  int files = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir))
    if (e.path().filename().string().rfind(kPrefix, 0) == 0) ++files;
  const auto secs = std::chrono::duration_cast<std::chrono::seconds>(
                        std::chrono::system_clock::now().time_since_epoch())
                        .count();
  char name[64];
  std::snprintf(name, sizeof(name), "%s%010lld.", kPrefix, static_cast<long long>(secs));
  char seq[16];
  std::snprintf(seq, sizeof(seq), ".%04d", files + 1);
  path_ = fs::join(dir, name + host_name() + seq);
  out_.open(path_, std::ios::binary | std::ios::trunc);
  if (!out_) throw RuntimeError("cannot open " + path_ + " for writing");

  std::string version = event_head(0);
  put_bytes(version, 3, "brain.Event:2");
  write_record(version);
  // SessionLog { status = 1: START }: TensorBoard purges older points at steps >= this one.
  std::string session_log;
  put_key(session_log, 1, kVarint);
  put_varint(session_log, 1);
  std::string start = event_head(resumed_from_step < 0 ? 0 : resumed_from_step + 1);
  put_bytes(start, 7, session_log);
  write_record(start);
}

void TensorBoardLog::scalars(const std::string& prefix, int64_t step,
                             const nlohmann::json& fields) {
  if (!out_.is_open()) return;
  std::string summary;
  for (const auto& [key, value] : fields.items()) {
    if (key == "step" || !value.is_number()) continue;
    // Summary.Value: tag = 1 (string), simple_value = 2 (float).
    std::string v;
    put_bytes(v, 1, prefix + "/" + key);
    put_key(v, 2, kFixed32);
    put_le(v, value.get<float>());
    put_bytes(summary, 1, v);  // Summary.value = 1 (repeated)
  }
  std::string event = event_head(step);
  put_bytes(event, 5, summary);
  write_record(event);
}

void TensorBoardLog::write_record(const std::string& data) {
  std::string rec;
  std::string len;
  put_le(len, static_cast<uint64_t>(data.size()));
  rec += len;
  put_le(rec, masked_crc(len));
  rec += data;
  put_le(rec, masked_crc(data));
  out_.write(rec.data(), static_cast<std::streamsize>(rec.size()));
  out_.flush();
  if (!out_) throw RuntimeError("cannot write " + path_ + " (disk full?)");
}

}  // namespace bertforge
