/**
 * Counter-based random numbers for the synthetic world: SplitMix64 over (seed, stream). Pure integer
 * arithmetic, so a seed gives the same numbers on every platform and standard library (unlike std::
 * distributions, whose output differs between libstdc++ and libc++ versions).
 */
#pragma once
#include <cstdint>
#include <vector>

namespace glip::synth {

/** SplitMix64 finaliser: a bijective 64-bit mix. */
inline uint64_t mix64(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

/** A small deterministic generator; `Rng(seed, stream)` gives independent sequences per stream. */
class Rng {
 public:
  explicit Rng(uint64_t seed, uint64_t stream = 0) : state_(mix64(seed ^ mix64(stream + 0x632be59bd9b4e019ULL))) {}

  uint64_t next() {
    state_ += 0x9e3779b97f4a7c15ULL;
    return mix64(state_);
  }
  /** Uniform in [0, 1) with 53 random bits. */
  double uniform() { return static_cast<double>(next() >> 11) * (1.0 / 9007199254740992.0); }
  /** Uniform in [lo, hi). */
  double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }
  /** Uniform integer in [0, n) (n > 0); the modulo bias is below 2^-40 for the sizes used here. */
  int below(int n) { return static_cast<int>(next() % static_cast<uint64_t>(n)); }
  /** Uniform integer in [lo, hi] inclusive. */
  int between(int lo, int hi) { return lo + below(hi - lo + 1); }
  bool chance(double p) { return uniform() < p; }
  /** Index drawn with probability proportional to `weights` (all >= 0, sum > 0). */
  int weighted(const std::vector<double>& weights) {
    double total = 0;
    for (double w : weights) total += w;
    double r = uniform() * total;
    for (size_t i = 0; i < weights.size(); ++i) {
      if (r < weights[i]) return static_cast<int>(i);
      r -= weights[i];
    }
    return static_cast<int>(weights.size()) - 1;
  }
  /** Fisher-Yates shuffle. */
  template <typename T>
  void shuffle(std::vector<T>& v) {
    for (size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[static_cast<size_t>(below(static_cast<int>(i)))]);
  }

 private:
  uint64_t state_;
};

}  // namespace glip::synth
