// Row softmax helpers shared by glip's fused softmax kernels (ops/attention_softmax.cpp, ops/window_softmax.cpp):
// a vectorizable exponential for non-positive arguments, a row's max and sum in a fixed lane order and the row softmax
// built from them, so that the kernels' results depend neither on the thread count nor on the instruction set.
#pragma once

#include <cstdint>
#include <cstring>
#include <limits>

namespace glip::ops::cpu {

constexpr int64_t kLanes = 16;  // accumulators of a row's max and sum, combined in lane order

// exp(x) for x <= 0, Cephes' expf: x = n ln2 + r, |r| <= ln2 / 2, exp(r) by a degree-6 polynomial, 2^n from the
// exponent bits. Below -87 (exp < 1.7e-38) the result is 0. Written without branches so that GCC vectorizes it.
inline __attribute__((always_inline)) float exp_nonpositive(float x) {
  const float xc = x < -87.f ? -87.f : x;
  const float n = (xc * 1.44269504088896341f + 12582912.f) - 12582912.f;  // round to nearest
  float r = xc - n * 0.693359375f;
  r = r - n * -2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * (r * r) + r + 1.f;
  const uint32_t bits = static_cast<uint32_t>(static_cast<int32_t>(n) + 127) << 23;
  float scale;
  std::memcpy(&scale, &bits, sizeof scale);
  return x < -87.f ? 0.f : p * scale;
}

inline float lane_max(const float* x, int64_t n) {
  float acc[kLanes];
  for (int64_t l = 0; l < kLanes; ++l) acc[l] = -std::numeric_limits<float>::infinity();
  int64_t j = 0;
  for (; j + kLanes <= n; j += kLanes)
    for (int64_t l = 0; l < kLanes; ++l) acc[l] = x[j + l] > acc[l] ? x[j + l] : acc[l];
  for (int64_t l = 0; j + l < n; ++l) acc[l] = x[j + l] > acc[l] ? x[j + l] : acc[l];
  float m = acc[0];
  for (int64_t l = 1; l < kLanes; ++l) m = acc[l] > m ? acc[l] : m;
  return m;
}

inline float lane_sum(const float* x, int64_t n) {
  float acc[kLanes] = {};
  int64_t j = 0;
  for (; j + kLanes <= n; j += kLanes)
    for (int64_t l = 0; l < kLanes; ++l) acc[l] += x[j + l];
  for (int64_t l = 0; j + l < n; ++l) acc[l] += x[j + l];
  float s = 0.f;
  for (int64_t l = 0; l < kLanes; ++l) s += acc[l];
  return s;
}

// x = softmax(x) over one row of n, in place: the max and the sum in lane order, the exponential above.
inline __attribute__((always_inline)) void softmax_row(float* x, int64_t n) {
  const float m = lane_max(x, n);
  for (int64_t j = 0; j < n; ++j) x[j] = exp_nonpositive(x[j] - m);
  const float inv = 1.f / lane_sum(x, n);
  for (int64_t j = 0; j < n; ++j) x[j] *= inv;
}

}  // namespace glip::ops::cpu
