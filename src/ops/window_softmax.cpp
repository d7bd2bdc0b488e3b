#include "glip/ops/window_softmax.h"

#include <ATen/Parallel.h>
#include <ATen/record_function.h>

#include <cstdint>

#include "glip/core/error.h"
#include "ops/cpu/simd_clones.h"
#include "ops/cpu/softmax_math.h"

namespace glip::ops {
namespace {

constexpr int64_t kItemFloats = 32768;  // about this many floats of maps per work item

// One row after the other: a = softmax(a + bias (+ mask)), the sum in the official order.
GLIP_SIMD_CLONES void window_rows(float* a, const float* bias, const float* mask, int64_t rows, int64_t n) {
  for (int64_t i = 0; i < rows; ++i, a += n, bias += n) {
    if (mask != nullptr) {
      for (int64_t j = 0; j < n; ++j) a[j] = (a[j] + bias[j]) + mask[j];
      mask += n;
    } else {
      for (int64_t j = 0; j < n; ++j) a[j] += bias[j];
    }
    cpu::softmax_row(a, n);
  }
}

bool float_cpu_contiguous(const at::Tensor& t) {
  return t.defined() && t.device().is_cpu() && t.scalar_type() == at::kFloat && t.is_contiguous();
}

}  // namespace

bool supports_fused_window_softmax(const at::Tensor& attn, const at::Tensor& bias, const at::Tensor& mask) {
  if (!float_cpu_contiguous(attn) || attn.dim() != 4 || !float_cpu_contiguous(bias) || bias.dim() != 3) return false;
  if (at::GradMode::is_enabled() && (attn.requires_grad() || bias.requires_grad())) return false;
  const int64_t B = attn.size(0), H = attn.size(1), N = attn.size(2);
  if (attn.size(3) != N || bias.sizes() != at::IntArrayRef({H, N, N})) return false;
  if (!mask.defined()) return true;
  if (!float_cpu_contiguous(mask) || mask.dim() != 3 || mask.size(1) != N || mask.size(2) != N) return false;
  return mask.size(0) > 0 && B % mask.size(0) == 0 && !(at::GradMode::is_enabled() && mask.requires_grad());
}

void window_softmax_(at::Tensor& attn, const at::Tensor& bias, const at::Tensor& mask) {
  RECORD_USER_SCOPE("glip::window_softmax");
  GLIP_CHECK_INPUT(supports_fused_window_softmax(attn, bias, mask),
                   "window_softmax_: needs contiguous float32 CPU tensors without gradient, attn [B_, nH, N, N], bias "
                   "[nH, N, N] and mask [nW, N, N] with nW dividing B_ (or no mask); got attn ",
                   attn.sizes(), " ", attn.scalar_type(), ", bias ", bias.defined() ? bias.sizes() : at::IntArrayRef{},
                   ", mask ", mask.defined() ? mask.sizes() : at::IntArrayRef{});
  const int64_t H = attn.size(1), N = attn.size(2), maps = attn.size(0) * H;
  const int64_t nW = mask.defined() ? mask.size(0) : 1;
  float* a = attn.data_ptr<float>();
  const float* b = bias.data_ptr<float>();
  const float* m = mask.defined() ? mask.data_ptr<float>() : nullptr;
  const int64_t grain = std::max<int64_t>(1, kItemFloats / (N * N));
  at::parallel_for(0, maps, grain, [&](int64_t begin, int64_t end) {
    for (int64_t item = begin; item < end; ++item) {
      const int64_t w = (item / H) % nW, h = item % H;
      window_rows(a + item * N * N, b + h * N * N, m != nullptr ? m + w * N * N : nullptr, N, N);
    }
  });
}

}  // namespace glip::ops
