#include "glip/ops/attention_softmax.h"

#include <ATen/Parallel.h>
#include <ATen/record_function.h>

#include <cstdint>
#include <limits>

#include "glip/core/error.h"
#include "ops/cpu/simd_clones.h"
#include "ops/cpu/softmax_math.h"

namespace glip::ops {
namespace {

constexpr int64_t kChunkRows = 128;  // rows (pixels) of one work item: fixes the order of the sums over N
constexpr float kClampValue = 50000.f;
using cpu::exp_nonpositive;

// Pass 1 over `rows` rows of T scores: pv = softmax over T of clamp(s) + add; colmax = max over the rows of clamp(s).
// Rows are `step` floats apart (T for [H, N, T] scores, H * T for [N, H, T] ones).
GLIP_SIMD_CLONES void image_side_rows(const float* s, float* pv, float* colmax, const float* add, int64_t rows,
                                      int64_t step, int64_t T, float lo, float hi) {
  for (int64_t i = 0; i < rows; ++i, s += step, pv += step) {
    for (int64_t t = 0; t < T; ++t) {
      float c = s[t] < lo ? lo : s[t];
      c = c > hi ? hi : c;
      colmax[t] = c > colmax[t] ? c : colmax[t];
      pv[t] = c + add[t];
    }
    cpu::softmax_row(pv, T);
  }
}

// Pass 2: s = exp(clamp(clamp(s) - colmax)) in place; colsum += s, row after row.
GLIP_SIMD_CLONES void text_side_rows(float* s, float* colsum, const float* colmax, int64_t rows, int64_t step,
                                     int64_t T, float lo, float hi) {
  for (int64_t i = 0; i < rows; ++i, s += step) {
    for (int64_t t = 0; t < T; ++t) {
      float c = s[t] < lo ? lo : s[t];
      c = c > hi ? hi : c;
      float d = c - colmax[t];
      d = d < lo ? lo : d;
      const float e = exp_nonpositive(d);
      s[t] = e;
      colsum[t] += e;
    }
  }
}

}  // namespace

bool supports_fused_bi_attention_softmax(const at::Tensor& scores) {
  return scores.defined() && scores.dim() == 3 && scores.device().is_cpu() && scores.scalar_type() == at::kFloat &&
         scores.stride(2) == 1 && scores.is_non_overlapping_and_dense() &&
         !(at::GradMode::is_enabled() && scores.requires_grad());
}

BiAttentionSoftmax bi_attention_softmax(at::Tensor& scores, const at::Tensor& token_mask, bool clamp_min,
                                        bool clamp_max) {
  RECORD_USER_SCOPE("glip::bi_attention_softmax");
  GLIP_CHECK_INPUT(supports_fused_bi_attention_softmax(scores),
                   "bi_attention_softmax: scores must be a dense float32 CPU tensor [H, N, T] with unit stride over T "
                   "and no gradient, got ",
                   scores.sizes(), " strides ", scores.strides(), " ", scores.scalar_type(), " on ", scores.device());
  const int64_t H = scores.size(0), N = scores.size(1), T = scores.size(2);
  GLIP_CHECK_INPUT(!token_mask.defined() || token_mask.numel() == T, "bi_attention_softmax: the token mask has ",
                   token_mask.defined() ? token_mask.numel() : 0, " elements, the scores ", T, " tokens");
  at::Tensor add = at::zeros({T}, scores.options());
  if (token_mask.defined()) {
    auto m = token_mask.reshape({T}).to(at::kFloat);
    add = m.masked_fill(m == 0, -9e15).contiguous();
  }
  const float inf = std::numeric_limits<float>::infinity();
  const float lo = clamp_min ? -kClampValue : -inf, hi = clamp_max ? kClampValue : inf;
  const int64_t chunks = (N + kChunkRows - 1) / kChunkRows;
  auto colmax = at::full({H, chunks, T}, -inf, scores.options());
  auto colsum = at::zeros({H, chunks, T}, scores.options());
  auto probs_v = at::empty_like(scores);  // the scores' strides
  GLIP_CHECK(probs_v.strides() == scores.strides(), "bi_attention_softmax: probabilities laid out as ",
             probs_v.strides(), ", scores as ", scores.strides());
  const int64_t head_step = scores.stride(0), row_step = scores.stride(1);
  float* s = scores.data_ptr<float>();
  float* pv = probs_v.data_ptr<float>();
  float* cm = colmax.data_ptr<float>();
  float* cs = colsum.data_ptr<float>();
  const float* a = add.data_ptr<float>();
  // rows(h, c, row, count) runs a kernel over `count` rows of head h from `row` on, in row chunk c. Head-major scores
  // ([H, N, T]) go by (head, chunk) items; pixel-major ones ([N, H, T]) by chunks, each row's heads side by side, so
  // that memory is read in order (head by head, their 1 KiB rows 8 KiB apart, ran at half the speed on GLIP-T's
  // scores: the prefetchers restart at every row). Each (head, chunk) slot sums its rows in the same order either way.
  const bool pixel_major = head_step < row_step;
  auto each = [&](const auto& rows) {
    if (!pixel_major) {
      at::parallel_for(0, H * chunks, 1, [&](int64_t begin, int64_t end) {
        for (int64_t item = begin; item < end; ++item) {
          const int64_t h = item / chunks, c = item % chunks;
          rows(h, c, c * kChunkRows, std::min(kChunkRows, N - c * kChunkRows));
        }
      });
      return;
    }
    at::parallel_for(0, chunks, 1, [&](int64_t begin, int64_t end) {
      for (int64_t c = begin; c < end; ++c)
        for (int64_t r = c * kChunkRows; r < std::min(N, (c + 1) * kChunkRows); ++r)
          for (int64_t h = 0; h < H; ++h) rows(h, c, r, 1);
    });
  };
  each([&](int64_t h, int64_t c, int64_t r, int64_t count) {
    const int64_t off = h * head_step + r * row_step;
    image_side_rows(s + off, pv + off, cm + (h * chunks + c) * T, a, count, row_step, T, lo, hi);
  });
  auto head_max = colmax.amax(1).contiguous();  // [H, T]; a maximum does not depend on the order
  const float* hm = head_max.data_ptr<float>();
  each([&](int64_t h, int64_t c, int64_t r, int64_t count) {
    text_side_rows(s + h * head_step + r * row_step, cs + (h * chunks + c) * T, hm + h * T, count, row_step, T, lo, hi);
  });
  auto sums = colsum.select(1, 0).clone();  // chunk after chunk: the same order whatever the threads
  for (int64_t c = 1; c < chunks; ++c) sums.add_(colsum.select(1, c));
  return {probs_v, scores, sums.reciprocal()};
}

}  // namespace glip::ops
