/**
 * Accounting of bad samples (corrupt image, missing file) and of dropped boxes. Each bad sample is skipped with
 * a warning and counted; once more than `max_fraction` of the samples seen so far are bad (after `min_seen`
 * samples), the run stops with an error that names the counts and the last bad sample. A box left empty by
 * clipping (or non-finite) is dropped from its sample, which still trains, and counted. Thread-safe.
 */
#pragma once
#include <cstdint>
#include <mutex>
#include <string>

namespace glip::data {

class BadSampleGuard {
 public:
  explicit BadSampleGuard(double max_fraction = 0.01, int64_t min_seen = 100)
      : max_fraction_(max_fraction), min_seen_(min_seen) {}

  void good();
  /** Records a bad sample; throws glip::InputError when the bad fraction exceeds the limit. */
  void bad(const std::string& sample, const std::string& why);

  /** Records a box dropped from a sample that still trains (empty after clipping, non-finite); logs the first few. */
  void dropped_box(const std::string& sample, const std::string& why);

  int64_t seen() const;
  int64_t bad_count() const;
  int64_t dropped_boxes() const;

 private:
  double max_fraction_;
  int64_t min_seen_;
  mutable std::mutex mu_;
  int64_t seen_ = 0, bad_ = 0, dropped_boxes_ = 0;
};

}  // namespace glip::data
