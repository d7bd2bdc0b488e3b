#include "glip/ops/dropout.h"

#include <ATen/CPUGeneratorImpl.h>
#include <ATen/Dispatch.h>
#include <ATen/Parallel.h>

#include <cmath>
#include <cstdint>
#include <mutex>

#include "glip/core/error.h"
#include "ops/cpu/simd_clones.h"

namespace glip::ops {
namespace {

inline uint64_t splitmix64(uint64_t z) {
  z += 0x9E3779B97F4A7C15ULL;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

// The 64-bit draw shared by elements 2j and 2j + 1.
inline uint64_t pair_draw(uint64_t seed, int64_t j) {
  return splitmix64(seed ^ (static_cast<uint64_t>(j) * 0xD1B54A32D192ED03ULL));
}

uint64_t draw_seed() {
  auto* gen = at::check_generator<at::CPUGeneratorImpl>(at::detail::getDefaultCPUGenerator());
  std::lock_guard<std::mutex> lock(gen->mutex_);
  return gen->random64();
}

// mask[i] = scale where the i-th 32-bit draw is >= threshold, else 0. Pairs of elements share one splitmix64
// output (low half for even i, high half for odd i); work items are whole pairs, so any split gives the same mask.
template <typename T>
inline __attribute__((always_inline)) void fill_pairs_body(T* mask, int64_t j0, int64_t j1, uint64_t seed,
                                                           uint64_t threshold, T scale) {
  for (int64_t j = j0; j < j1; ++j) {
    const uint64_t r = pair_draw(seed, j);
    mask[2 * j] = (r & 0xFFFFFFFFULL) >= threshold ? scale : T(0);
    mask[2 * j + 1] = (r >> 32) >= threshold ? scale : T(0);
  }
}

// The loop has no branch, so GCC's vectorizer (-O3, the Release flags) turns it into 64-bit vector multiplies;
// x86-64-v4 (AVX-512) has them natively and fills the mask ~10x faster than the scalar code on an AMD EPYC.
GLIP_SIMD_CLONES void fill_pairs(float* m, int64_t j0, int64_t j1, uint64_t seed, uint64_t th, float scale) {
  fill_pairs_body(m, j0, j1, seed, th, scale);
}
GLIP_SIMD_CLONES void fill_pairs(double* m, int64_t j0, int64_t j1, uint64_t seed, uint64_t th, double scale) {
  fill_pairs_body(m, j0, j1, seed, th, scale);
}

template <typename T>
void fill_mask(T* mask, int64_t n, uint64_t seed, uint64_t threshold, T scale) {
  const int64_t full = n / 2;
  at::parallel_for(0, full, 16384,
                   [&](int64_t begin, int64_t end) { fill_pairs(mask, begin, end, seed, threshold, scale); });
  if (n % 2 == 1) {  // the last element: the low half of its pair's draw
    const uint64_t r = pair_draw(seed, full);
    mask[n - 1] = (r & 0xFFFFFFFFULL) >= threshold ? scale : T(0);
  }
}

}  // namespace

at::Tensor dropout(const at::Tensor& x, double p, bool train) {
  GLIP_CHECK_INPUT(p >= 0.0 && p <= 1.0, "dropout probability must be in [0, 1], got ", p);
  if (!train || p == 0.0) return x;
  if (p == 1.0) return x * 0;
  if (!x.device().is_cpu() || !(x.scalar_type() == at::kFloat || x.scalar_type() == at::kDouble)) {
    return at::dropout(x, p, train);
  }
  auto mask = at::empty(x.sizes(), x.options().requires_grad(false));
  const uint64_t threshold = static_cast<uint64_t>(std::llround(p * 4294967296.0));
  const uint64_t seed = draw_seed();
  AT_DISPATCH_FLOATING_TYPES(x.scalar_type(), "glip_dropout_mask", [&] {
    fill_mask<scalar_t>(mask.data_ptr<scalar_t>(), mask.numel(), seed, threshold,
                        static_cast<scalar_t>(1.0 / (1.0 - p)));
  });
  return x * mask;
}

}  // namespace glip::ops
