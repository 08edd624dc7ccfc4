// Progress reporting for long work: a redrawn bar on a TTY (stderr), a plain line every
// `interval_sec` otherwise. Both show done/total, rate and ETA.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace bertforge {

class Progress {
 public:
  // `unit` names what is counted ("B" formats as bytes, anything else as a plain count).
  // total <= 0 means unknown (no ETA).
  Progress(std::string label, int64_t total, std::string unit, double interval_sec = 10.0);
  ~Progress();
  // Sets the absolute amount done; `extra` is appended (e.g. "loss 3.21").
  void update(int64_t done, const std::string& extra = "");
  // Prints the final line.
  void finish(const std::string& extra = "");
  // Forces plain lines even on a TTY (tests, distributed ranks > 0 use `quiet`).
  void set_quiet(bool quiet) { quiet_ = quiet; }

  static std::string format_count(double v, const std::string& unit);
  static std::string format_duration(double sec);

 private:
  void draw(bool final, const std::string& extra);
  std::string label_, unit_;
  int64_t total_, done_ = 0, start_done_ = 0;
  double interval_;
  bool tty_, quiet_ = false, finished_ = false;
  std::chrono::steady_clock::time_point start_, last_;
};

}  // namespace bertforge
