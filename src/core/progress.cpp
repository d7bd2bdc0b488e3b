#include "glip/core/progress.h"

#include <unistd.h>

#include <cmath>

namespace glip {
namespace {

std::string format_duration(double s) {
  if (!std::isfinite(s) || s < 0) return "?";
  const auto t = static_cast<int64_t>(std::llround(s));
  char buf[32];
  if (t >= 3600) std::snprintf(buf, sizeof buf, "%lldh%02lldm", (long long)(t / 3600), (long long)(t % 3600 / 60));
  else if (t >= 60) std::snprintf(buf, sizeof buf, "%lldm%02llds", (long long)(t / 60), (long long)(t % 60));
  else std::snprintf(buf, sizeof buf, "%llds", (long long)t);
  return buf;
}

}  // namespace

ProgressMeter::ProgressMeter(std::string label, int64_t total, std::string unit, std::FILE* out, double interval_s)
    : label_(std::move(label)),
      unit_(std::move(unit)),
      total_(total),
      out_(out),
      tty_(out != nullptr && isatty(fileno(out))),
      interval_s_(interval_s),
      start_(std::chrono::steady_clock::now()),
      last_draw_(start_) {}

double ProgressMeter::elapsed_s() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

double ProgressMeter::rate() const {
  const double t = elapsed_s();
  return done_ > 0 && t > 0 ? static_cast<double>(done_) / t : 0.0;
}

std::string ProgressMeter::line() const {
  char buf[256];
  const double r = rate();
  if (total_ > 0) {
    const double eta = r > 0 ? static_cast<double>(total_ - done_) / r : -1;
    std::snprintf(buf, sizeof buf, "%s %lld/%lld %s  %.2f %s/s  elapsed %s  eta %s", label_.c_str(), (long long)done_,
                  (long long)total_, unit_.c_str(), r, unit_.c_str(), format_duration(elapsed_s()).c_str(),
                  format_duration(eta).c_str());
  } else {
    std::snprintf(buf, sizeof buf, "%s %lld %s  %.2f %s/s  elapsed %s", label_.c_str(), (long long)done_, unit_.c_str(),
                  r, unit_.c_str(), format_duration(elapsed_s()).c_str());
  }
  return buf;
}

void ProgressMeter::advance(int64_t n) {
  done_ += n;
  if (out_ == nullptr) return;
  const auto now = std::chrono::steady_clock::now();
  const double since = std::chrono::duration<double>(now - last_draw_).count();
  if (since < (tty_ ? interval_s_ : 10 * interval_s_) && done_ != total_) return;
  last_draw_ = now;
  last_drawn_done_ = done_;
  if (tty_) std::fprintf(out_, "\r%s\x1b[K", line().c_str());
  else std::fprintf(out_, "%s\n", line().c_str());
  std::fflush(out_);
}

void ProgressMeter::finish() {
  if (finished_ || out_ == nullptr) return;
  finished_ = true;
  if (!tty_ && last_drawn_done_ == done_) return;  // the last line already shows the final count
  std::fprintf(out_, tty_ ? "\r%s\x1b[K\n" : "%s\n", line().c_str());
  std::fflush(out_);
}

}  // namespace glip
