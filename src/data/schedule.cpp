#include "glip/data/schedule.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "glip/core/error.h"

namespace glip::data {
namespace {

// Unbiased bounded draw in [0, n) from a SplitMix64 stream (platform-independent, unlike std distributions).
uint64_t bounded(uint64_t& state, uint64_t n) {
  const uint64_t limit = ~uint64_t(0) - (~uint64_t(0) % n);
  for (;;) {
    state += 0x9E3779B97F4A7C15ULL;
    uint64_t r = splitmix64(state);
    if (r < limit) return r % n;
  }
}

}  // namespace

uint64_t splitmix64(uint64_t x) {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

SampleSchedule::SampleSchedule(std::vector<size_t> sizes, std::vector<double> weights, uint64_t seed)
    : sizes_(std::move(sizes)), seed_(seed) {
  GLIP_CHECK_INPUT(sizes_.size() == weights.size() && !sizes_.empty(),
                   "data: need one weight per dataset and at least one dataset");
  for (size_t d = 0; d < sizes_.size(); ++d) {
    GLIP_CHECK_INPUT(weights[d] >= 0 && std::isfinite(weights[d]), "data: dataset ", d, " has weight ", weights[d],
                     " (expected a finite number >= 0)");
    starts_.push_back(epoch_length_);
    copies_.push_back(static_cast<uint64_t>(std::llround(weights[d] * static_cast<double>(sizes_[d]))));
    if (sizes_[d] == 0) copies_.back() = 0;
    epoch_length_ += copies_.back();
  }
  GLIP_CHECK_INPUT(epoch_length_ > 0, "data: the datasets are empty (or all weights are 0); nothing to train on");
}

std::shared_ptr<const std::vector<uint64_t>> SampleSchedule::permutation(uint64_t epoch) const {
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [e, p] : cache_)
    if (e == epoch) return p;
  auto perm = std::make_shared<std::vector<uint64_t>>(epoch_length_);
  for (uint64_t k = 0; k < epoch_length_; ++k) (*perm)[k] = k;
  uint64_t state = splitmix64(seed_ ^ splitmix64(epoch + 0x51ED));
  for (uint64_t k = epoch_length_; k > 1; --k) std::swap((*perm)[k - 1], (*perm)[bounded(state, k)]);
  cache_.emplace_back(epoch, perm);
  if (cache_.size() > 2) cache_.erase(cache_.begin());  // workers straddle at most two epochs
  return perm;
}

std::pair<size_t, size_t> SampleSchedule::at(uint64_t g) const {
  const uint64_t epoch = g / epoch_length_;
  const uint64_t slot = (*permutation(epoch))[g % epoch_length_];
  const size_t d = static_cast<size_t>(std::upper_bound(starts_.begin(), starts_.end(), slot) - starts_.begin() - 1);
  // Copy c of dataset d covers records in an order reshuffled per copy, so fractional weights pick a
  // seed-chosen subset rather than always the first records.
  const uint64_t within = slot - starts_[d];
  const uint64_t n = sizes_[d];
  const uint64_t copy = within / n, offset = within % n;
  uint64_t h = splitmix64(seed_ ^ (d * 0x1000193ULL) ^ splitmix64(copy + 17));
  // An affine bijection of [0, n): offset * a + b (mod n) with gcd(a, n) = 1.
  uint64_t a = (h | 1) % n;
  while (n > 1 && std::gcd(a, n) != 1) a = (a + 1) % n;
  if (a == 0) a = 1;
  const uint64_t b = splitmix64(h) % n;
  const uint64_t index = static_cast<uint64_t>((static_cast<unsigned __int128>(offset) * a + b) % n);
  return {d, static_cast<size_t>(index)};
}

}  // namespace glip::data
