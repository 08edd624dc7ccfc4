#include "console/progress.h"

#include <unistd.h>

#include <cmath>
#include <cstdio>

#include "console/logging.h"

namespace bertforge {

Progress::Progress(std::string label, int64_t total, std::string unit, double interval_sec)
    : label_(std::move(label)),
      unit_(std::move(unit)),
      total_(total),
      interval_(interval_sec),
      tty_(::isatty(2) != 0),
      start_(std::chrono::steady_clock::now()),
      last_(start_) {}

Progress::~Progress() {
  if (!finished_ && tty_ && !quiet_) std::fputc('\n', stderr);
}

std::string Progress::format_count(double v, const std::string& unit) {
  const char* suffix[] = {"", "k", "M", "G", "T"};
  double base = unit == "B" ? 1024.0 : 1000.0;
  int i = 0;
  while (std::fabs(v) >= base && i < 4) {
    v /= base;
    ++i;
  }
  char buf[64];
  std::snprintf(buf, sizeof buf, i == 0 ? "%.0f%s%s" : "%.1f%s%s", v, suffix[i],
                unit == "B" && i > 0 ? "iB" : unit.c_str());
  return buf;
}

std::string Progress::format_duration(double sec) {
  if (!std::isfinite(sec) || sec < 0) return "?";
  long s = static_cast<long>(sec + 0.5);
  char buf[32];
  if (s >= 3600)
    std::snprintf(buf, sizeof buf, "%ldh%02ldm", s / 3600, (s / 60) % 60);
  else if (s >= 60)
    std::snprintf(buf, sizeof buf, "%ldm%02lds", s / 60, s % 60);
  else
    std::snprintf(buf, sizeof buf, "%lds", s);
  return buf;
}

void Progress::update(int64_t done, const std::string& extra) {
  done_ = done;
  auto now = std::chrono::steady_clock::now();
  double since = std::chrono::duration<double>(now - last_).count();
  if (since < (tty_ && !quiet_ ? 0.2 : interval_)) return;
  last_ = now;
  draw(false, extra);
}

void Progress::finish(const std::string& extra) {
  if (finished_) return;
  finished_ = true;
  draw(true, extra);
}

void Progress::draw(bool final, const std::string& extra) {
  if (!log::enabled(log::Level::kInfo)) return;  // --quiet
  double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  double rate = elapsed > 0 ? (done_ - start_done_) / elapsed : 0.0;
  std::string line = label_ + " " + format_count(static_cast<double>(done_), unit_);
  if (total_ > 0) {
    line += "/" + format_count(static_cast<double>(total_), unit_);
    char pct[16];
    std::snprintf(pct, sizeof pct, " %5.1f%%", 100.0 * done_ / total_);
    line += pct;
  }
  line += " | " + format_count(rate, unit_) + "/s";
  if (final)
    line += " | " + format_duration(elapsed);
  else if (total_ > 0 && rate > 0)
    line += " | ETA " + format_duration((total_ - done_) / rate);
  if (!extra.empty()) line += " | " + extra;
  if (tty_ && !quiet_) {
    std::string bar;
    if (total_ > 0) {
      int width = 24,
          fill = static_cast<int>(width * std::min<double>(1.0, double(done_) / total_));
      bar = "[" + std::string(fill, '#') + std::string(width - fill, '.') + "] ";
    }
    std::fprintf(stderr, "\r\033[K%s%s%s", bar.c_str(), line.c_str(), final ? "\n" : "");
  } else {
    std::fprintf(stderr, "%s\n", line.c_str());
  }
  std::fflush(stderr);
}

}  // namespace bertforge
