#include "glip/data/bad_samples.h"

#include "glip/core/error.h"
#include "glip/core/logging.h"

namespace glip::data {

void BadSampleGuard::good() {
  std::lock_guard<std::mutex> lock(mu_);
  ++seen_;
}

void BadSampleGuard::bad(const std::string& sample, const std::string& why) {
  int64_t seen, bad;
  {
    std::lock_guard<std::mutex> lock(mu_);
    seen = ++seen_;
    bad = ++bad_;
  }
  GLIP_LOG_WARN("[data] skipping bad sample {}: {} ({} bad of {} so far)", sample, why, bad, seen);
  const bool over = static_cast<double>(bad) > max_fraction_ * static_cast<double>(std::max(seen, min_seen_));
  GLIP_CHECK_INPUT(!over, "data: too many bad samples: ", bad, " of ", seen, " (limit ", max_fraction_ * 100,
                   "% via data.max_bad_fraction); last: ", sample, ": ", why);
}

void BadSampleGuard::dropped_box(const std::string& sample, const std::string& why) {
  int64_t n;
  {
    std::lock_guard<std::mutex> lock(mu_);
    n = ++dropped_boxes_;
  }
  constexpr int64_t kLogged = 10;
  if (n <= kLogged)
    GLIP_LOG_WARN("[data] dropping a box of {}: {}{}", sample, why,
                  n == kLogged ? " (further dropped boxes are counted, not logged)" : "");
}

int64_t BadSampleGuard::dropped_boxes() const {
  std::lock_guard<std::mutex> lock(mu_);
  return dropped_boxes_;
}

int64_t BadSampleGuard::seen() const {
  std::lock_guard<std::mutex> lock(mu_);
  return seen_;
}

int64_t BadSampleGuard::bad_count() const {
  std::lock_guard<std::mutex> lock(mu_);
  return bad_;
}

}  // namespace glip::data
