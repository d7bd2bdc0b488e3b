// The official fp16 guard (MAX_CLAMP_VALUE in GLIP's fusion, BERT and head code): activations clamped to +-50000.
#pragma once

#include <ATen/ATen.h>

namespace glip::modeling {

inline constexpr double kMaxClampValue = 50000.0;

/** `x` clamped below at -50000 when `lo` and above at +50000 when `hi` (`x` itself when neither). */
inline at::Tensor clamp_pm(const at::Tensor& x, bool lo = true, bool hi = true) {
  if (!lo && !hi) return x;
  return at::clamp(x, lo ? c10::optional<at::Scalar>(-kMaxClampValue) : c10::nullopt,
                   hi ? c10::optional<at::Scalar>(kMaxClampValue) : c10::nullopt);
}

}  // namespace glip::modeling
