/**
 * A progress line for long loops: "[eval] coco_val 120/5000 images  3.4 images/s  eta 23m55s". On a terminal
 * it redraws one line (carriage return) at most every `interval_s`; otherwise it prints a new line at most
 * every 10 x interval_s, so logs stay short. finish() prints the final count and mean rate.
 */
#pragma once
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>

namespace glip {

class ProgressMeter {
 public:
  /** `label` e.g. "[eval] coco_val", `unit` e.g. "images"; `total` <= 0: unknown. Writes to `out` (stderr). */
  ProgressMeter(std::string label, int64_t total, std::string unit = "images", std::FILE* out = stderr,
                double interval_s = 0.5);
  /** Adds `n` finished items; redraws when due. */
  void advance(int64_t n = 1);
  /** Prints the final line (once). */
  void finish();
  int64_t done() const { return done_; }
  double elapsed_s() const;
  /** Items per second since the start (0 before the first item). */
  double rate() const;
  /** The current line's text (without carriage return or newline). */
  std::string line() const;

 private:
  std::string label_, unit_;
  int64_t total_, done_ = 0, last_drawn_done_ = -1;
  std::FILE* out_;
  bool tty_;
  double interval_s_;
  bool finished_ = false;
  std::chrono::steady_clock::time_point start_, last_draw_;
};

}  // namespace glip
