/**
 * Which sample comes at which position of training, decided by the seed alone: datasets are mixed by
 * repeat weights into a virtual epoch that is shuffled per epoch, and global position g of the stream
 * always maps to the same (dataset, index). Resuming from iteration k therefore needs nothing but k, and
 * ranks of a distributed run read disjoint slices of each global batch.
 */
#pragma once
#include <cstdint>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

namespace glip::data {

/** SplitMix64: a tiny, well-mixed, platform-independent hash/generator used to derive per-sample seeds. */
uint64_t splitmix64(uint64_t x);

class SampleSchedule {
 public:
  /**
   * `sizes[d]` records in dataset d, repeated `weights[d]` times per epoch (fractional weights take a
   * seed-chosen subset for the fractional part; the official dataset copies are integer weights).
   */
  SampleSchedule(std::vector<size_t> sizes, std::vector<double> weights, uint64_t seed);

  /** (dataset, record index) at global stream position g. Thread-safe. */
  std::pair<size_t, size_t> at(uint64_t g) const;
  /** Number of positions per epoch. */
  uint64_t epoch_length() const { return epoch_length_; }
  /** Global position of sample j of rank `rank` in iteration `it` (per-rank batch `batch`, `world` ranks). */
  static uint64_t position(int64_t it, int rank, int world, int64_t batch, int64_t j) {
    return static_cast<uint64_t>(it) * static_cast<uint64_t>(world * batch) + static_cast<uint64_t>(rank * batch + j);
  }

 private:
  std::shared_ptr<const std::vector<uint64_t>> permutation(uint64_t epoch) const;

  std::vector<size_t> sizes_;
  std::vector<uint64_t> copies_;  // positions per epoch contributed by each dataset
  std::vector<uint64_t> starts_;  // prefix sums of copies_
  uint64_t epoch_length_ = 0;
  uint64_t seed_;
  mutable std::mutex mu_;
  mutable std::vector<std::pair<uint64_t, std::shared_ptr<const std::vector<uint64_t>>>> cache_;
};

}  // namespace glip::data
