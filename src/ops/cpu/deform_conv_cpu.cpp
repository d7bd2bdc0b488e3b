// CPU modulated deformable convolution, channels last: a sampling table shared by all channels (4 corner indices,
// bilinear weights and their derivatives per output pixel and kernel tap; the forward fills each tile's just before
// sampling it, the backward the image's); the input transposed to
// [H*W, C], so that each corner of a tap is one contiguous row of C channels; a bilinear im2col into columns
// [Ho*Wo, K*C] (per pixel and tap, a weighted sum of 4 rows: vector loads, no gathers); then one GEMM with the
// weight reordered to [O, K*C]. Backward: GEMMs for the weight and column gradients, a scatter of rows for the input
// gradient (each thread owns a band of input rows: no atomics, and every element sums its terms in the same order
// whatever the thread count) and pixel-partitioned dot products over channels for the offset and mask gradients.
#include <ATen/Parallel.h>
#include <ATen/record_function.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <type_traits>

#include "glip/ops/gemm.h"
#include "ops/cpu/simd_clones.h"
#include "ops/deform_conv_kernels.h"

namespace glip::ops::detail {
namespace {

template <typename T>
struct Tap {
  int64_t idx[4];  // corner indices into an H*W plane (0 for invalid corners, whose weights are 0)
  T w[4];          // bilinear weights (validity folded in, mask NOT folded in)
  T dh[4];         // d(weight)/d(h) per corner
  T dw[4];         // d(weight)/d(w) per corner
  T m;             // modulation mask
};

// The taps of the output pixels [p0, p1) into out[(p - p0) * K + k] (pixel-major: the passes walk a pixel's K taps
// one after the other).
template <typename T>
void fill_taps(const T* off, const T* msk, int64_t H, int64_t W, const DcnGeometry& g, int64_t p0, int64_t p1,
               Tap<T>* out) {
  const int64_t P = g.out_h * g.out_w;
  for (int64_t p = p0; p < p1; ++p) {
    const int64_t y = p / g.out_w, x = p % g.out_w;
    for (int64_t i = 0, k = 0; i < g.kh; ++i) {
      for (int64_t j = 0; j < g.kw; ++j, ++k) {
        Tap<T>& t = *out++;
        t.m = msk[k * P + p];
        const T h = static_cast<T>(y * g.stride - g.pad + i * g.dil) + off[(2 * k) * P + p];
        const T w = static_cast<T>(x * g.stride - g.pad + j * g.dil) + off[(2 * k + 1) * P + p];
        for (int c = 0; c < 4; ++c) t.idx[c] = 0, t.w[c] = t.dh[c] = t.dw[c] = T(0);
        if (!(h > T(-1) && w > T(-1) && h < static_cast<T>(H) && w < static_cast<T>(W))) continue;
        const int64_t hl = static_cast<int64_t>(std::floor(h)), wl = static_cast<int64_t>(std::floor(w));
        const T lh = h - static_cast<T>(hl), lw = w - static_cast<T>(wl);
        const T hh = T(1) - lh, hw = T(1) - lw;
        const bool ok[4] = {hl >= 0 && wl >= 0, hl >= 0 && wl + 1 <= W - 1, hl + 1 <= H - 1 && wl >= 0,
                            hl + 1 <= H - 1 && wl + 1 <= W - 1};
        const int64_t idx[4] = {hl * W + wl, hl * W + wl + 1, (hl + 1) * W + wl, (hl + 1) * W + wl + 1};
        const T ws[4] = {hh * hw, hh * lw, lh * hw, lh * lw};
        const T dhs[4] = {-hw, -lw, hw, lw};
        const T dws[4] = {-hh, hh, -lh, lh};
        for (int c = 0; c < 4; ++c) {
          if (!ok[c]) continue;
          t.idx[c] = idx[c];
          t.w[c] = ws[c];
          t.dh[c] = dhs[c];
          t.dw[c] = dws[c];
        }
      }
    }
  }
}

// Storage for n taps (LibTorch's allocator, not zeroed: fill_taps writes every field).
template <typename T>
at::Tensor tap_storage(int64_t n) {
  static_assert(std::is_trivially_default_constructible_v<Tap<T>>);
  return at::empty({n * static_cast<int64_t>(sizeof(Tap<T>))}, at::kByte);
}

constexpr int64_t kBlock = 64;  // output pixels per work item

// All the taps of one image (the backward's passes read them three times), pixels split between threads.
template <typename T>
at::Tensor build_taps(const T* off, const T* msk, int64_t H, int64_t W, const DcnGeometry& g) {
  RECORD_USER_SCOPE("glip::dcn_taps");
  const int64_t P = g.out_h * g.out_w, K = g.kh * g.kw;
  auto storage = tap_storage<T>(K * P);
  Tap<T>* taps = static_cast<Tap<T>*>(storage.data_ptr());
  at::parallel_for(0, P, kBlock,
                   [&](int64_t begin, int64_t end) { fill_taps(off, msk, H, W, g, begin, end, taps + begin * K); });
  return storage;
}

constexpr int64_t kTilePixels = 512;  // output pixels per tile of the forward's sampling and product

// dst[c] = sum over the 4 corners of w[q] * rows[q][c], c < n. Vectorized by GCC (simd_clones.h).
template <typename T>
inline __attribute__((always_inline)) void blend_body(const T* const* rows, const T* w, T* __restrict__ dst,
                                                      int64_t n) {
  const T* __restrict__ r0 = rows[0];
  const T* __restrict__ r1 = rows[1];
  const T* __restrict__ r2 = rows[2];
  const T* __restrict__ r3 = rows[3];
  const T w0 = w[0], w1 = w[1], w2 = w[2], w3 = w[3];
  for (int64_t c = 0; c < n; ++c) dst[c] = w0 * r0[c] + w1 * r1[c] + w2 * r2[c] + w3 * r3[c];
}
GLIP_SIMD_CLONES void blend(const float* const* rows, const float* w, float* dst, int64_t n) {
  blend_body(rows, w, dst, n);
}
GLIP_SIMD_CLONES void blend(const double* const* rows, const double* w, double* dst, int64_t n) {
  blend_body(rows, w, dst, n);
}

// dst[c] += w * g[c], c < n.
template <typename T>
inline __attribute__((always_inline)) void scatter_row_body(T* __restrict__ dst, T w, const T* __restrict__ g,
                                                            int64_t n) {
  for (int64_t c = 0; c < n; ++c) dst[c] += w * g[c];
}
GLIP_SIMD_CLONES void scatter_row(float* dst, float w, const float* g, int64_t n) { scatter_row_body(dst, w, g, n); }
GLIP_SIMD_CLONES void scatter_row(double* dst, double w, const double* g, int64_t n) { scatter_row_body(dst, w, g, n); }

// d[q] = sum_c g[c] * rows[q][c]: 16 partial sums per corner (lane l takes the channels l, l + 16, ...; each product
// rounded before it is added: no FMA contraction), the lanes added in order 0..15, then the channels after the last
// multiple of 16. The same on every SIMD clone and thread count. Written on GCC's vector type: GCC turned the same
// loop on an array of lanes into scalar products and shuffles (2.5x slower).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC push_options
#pragma GCC optimize("fp-contract=off")
#endif
constexpr int kLanes = 16;
template <typename T>
inline __attribute__((always_inline)) void dots_body(const T* const* rows, const T* __restrict__ g, int64_t n, T* d) {
#if defined(__clang__)
#pragma clang fp contract(off)
#endif
  typedef T V __attribute__((vector_size(kLanes * sizeof(T))));
  V acc[4] = {};
  int64_t c = 0;
  for (; c + kLanes <= n; c += kLanes) {
    V gv;
    std::memcpy(&gv, g + c, sizeof(V));
    for (int q = 0; q < 4; ++q) {
      V rv;
      std::memcpy(&rv, rows[q] + c, sizeof(V));
      acc[q] += gv * rv;
    }
  }
  for (int q = 0; q < 4; ++q) {
    T sum = T(0);
    for (int l = 0; l < kLanes; ++l) sum += acc[q][l];
    for (int64_t t = c; t < n; ++t) sum += g[t] * rows[q][t];
    d[q] = sum;
  }
}
GLIP_SIMD_CLONES void dots(const float* const* rows, const float* g, int64_t n, float* d) { dots_body(rows, g, n, d); }
GLIP_SIMD_CLONES void dots(const double* const* rows, const double* g, int64_t n, double* d) {
  dots_body(rows, g, n, d);
}

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC pop_options
#endif

// The 4 corner rows of a tap in the [H*W, C] input (invalid corners point at row 0 with weight 0).
template <typename T>
inline void corner_rows(const Tap<T>& t, const T* base, int64_t C, const T** rows) {
  for (int q = 0; q < 4; ++q) rows[q] = base + t.idx[q] * C;
}

// Calls f(p, k, tap) for the taps of pixels [p0, p1), pixel by pixel; `taps` are pixel p0's (pixel-major).
template <typename T, typename F>
inline void for_taps(const Tap<T>* taps, int64_t K, int64_t p0, int64_t p1, const F& f) {
  for (int64_t p = p0; p < p1; ++p) {
    for (int64_t k = 0; k < K; ++k) f(p, k, *taps++);
  }
}

// The bilinear weights of a tap times its mask.
template <typename T>
inline void masked_weights(const Tap<T>& t, T* w) {
  for (int q = 0; q < 4; ++q) w[q] = t.w[q] * t.m;
}

// col[p - p0, k*C + c] = m * bilinear(input[c], tap (k, p)) for the pixels [p0, p1), from the channels-last input
// [H*W, C]; on the calling thread.
template <typename T>
void im2col_rows(const T* in, const Tap<T>* taps, int64_t C, int64_t K, int64_t p0, int64_t p1, T* col) {
  for_taps(taps, K, p0, p1, [&](int64_t p, int64_t k, const Tap<T>& t) {
    const T* rows[4];
    T w[4];
    corner_rows(t, in, C, rows);
    masked_weights(t, w);
    blend(rows, w, col + ((p - p0) * K + k) * C, C);
  });
}

// All pixels (the taps of all), blocks of pixels split between threads.
template <typename T>
void im2col(const T* in, const Tap<T>* taps, int64_t C, int64_t K, int64_t P, T* col) {
  RECORD_USER_SCOPE("glip::dcn_im2col");
  at::parallel_for(0, P, kBlock, [&](int64_t begin, int64_t end) {
    im2col_rows(in, taps + begin * K, C, K, begin, end, col + begin * K * C);
  });
}

// gin[idx, c] += m * w * gcol[p, k*C + c] over all taps, into the channels-last gradient [H*W, C]. Each thread owns a
// band of input rows (idx) and walks every tap, adding the corners that fall in its band: no atomics, whole rows of C
// channels (a split by channels made the threads' caches fight over neighbouring lines), and every element sums its
// terms in tap order whatever the thread count.
template <typename T>
void col2im(const T* gcol, const Tap<T>* taps, int64_t C, int64_t K, int64_t P, int64_t HW, T* gin) {
  RECORD_USER_SCOPE("glip::dcn_col2im");
  const int64_t threads = std::max<int64_t>(1, std::min<int64_t>(at::get_num_threads(), HW));
  at::parallel_for(0, threads, 1, [&](int64_t t0, int64_t t1) {
    const int64_t lo = HW * t0 / threads, hi = HW * t1 / threads;
    for_taps(taps, K, 0, P, [&](int64_t p, int64_t k, const Tap<T>& t) {
      const T* g = gcol + (p * K + k) * C;
      T w[4];
      masked_weights(t, w);
      for (int q = 0; q < 4; ++q) {
        if (t.idx[q] >= lo && t.idx[q] < hi) scatter_row(gin + t.idx[q] * C, w[q], g, C);
      }
    });
  });
}

// grad_offset[2k], [2k+1] and grad_mask[k] at each pixel: the dot products of the column gradient with the 4 corner
// rows, weighted by the bilinear weights' derivatives; pixels are split between threads.
template <typename T>
void offset_mask_grad(const T* gcol, const T* in, const Tap<T>* taps, int64_t C, int64_t K, int64_t P, T* goff,
                      T* gmask) {
  RECORD_USER_SCOPE("glip::dcn_offset_mask_grad");
  at::parallel_for(0, P, kBlock, [&](int64_t begin, int64_t end) {
    for_taps(taps + begin * K, K, begin, end, [&](int64_t p, int64_t k, const Tap<T>& t) {
      const T* rows[4];
      T d[4];
      corner_rows(t, in, C, rows);
      dots(rows, gcol + (p * K + k) * C, C, d);
      T am = T(0), ah = T(0), aw = T(0);
      for (int q = 0; q < 4; ++q) am += t.w[q] * d[q], ah += t.dh[q] * d[q], aw += t.dw[q] * d[q];
      goff[(2 * k) * P + p] = ah * t.m;
      goff[(2 * k + 1) * P + p] = aw * t.m;
      gmask[k * P + p] = am;
    });
  });
}

// dst[c * P + p] = src[p * C + c]: the channels-last gradient back to [C, H, W], in 16 x 16 blocks (ATen's copy of the
// permuted view took 4.6-5.0 ms for GLIP-T's 256 x 16,800, this 1.1-2.1 ms).
template <typename T>
void to_channels_first(const T* src, int64_t P, int64_t C, T* dst) {
  constexpr int64_t kB = 16;
  at::parallel_for(0, (P + kB - 1) / kB, 16, [&](int64_t b0, int64_t b1) {
    for (int64_t b = b0; b < b1; ++b) {
      const int64_t p0 = b * kB, pn = std::min(kB, P - p0);
      for (int64_t c0 = 0; c0 < C; c0 += kB) {
        const int64_t cn = std::min(kB, C - c0);
        for (int64_t c = 0; c < cn; ++c) {
          for (int64_t p = 0; p < pn; ++p) dst[(c0 + c) * P + p0 + p] = src[(p0 + p) * C + c0 + c];
        }
      }
    }
  });
}

// [O, C, kh, kw] -> [O, K*C], the column order of im2col.
at::Tensor weight_k_major(const at::Tensor& weight) {
  return weight.permute({0, 2, 3, 1}).reshape({weight.size(0), -1}).contiguous();
}

}  // namespace

at::Tensor dcn_forward_cpu(const at::Tensor& input, const at::Tensor& offset, const at::Tensor& mask,
                           const at::Tensor& weight, const at::Tensor& bias, const DcnGeometry& g) {
  const int64_t N = input.size(0), C = input.size(1), H = input.size(2), W = input.size(3);
  const int64_t O = weight.size(0), K = g.kh * g.kw, P = g.out_h * g.out_w;
  auto out = at::empty({N, O, g.out_h, g.out_w}, input.options());
  auto wk = weight_k_major(weight);
  // Pixels in tiles: a thread samples a tile's columns into its own buffer and multiplies them at once, so that the
  // columns stay in the caches (GLIP-T's 16,800 x 2,304 columns are 155 MB; a 512-pixel tile is 4.7 MB).
  const int64_t tile = std::min(P, kTilePixels), tiles = (P + tile - 1) / tile;
  const int64_t threads = std::min<int64_t>(at::get_num_threads(), tiles);
  auto cols = at::empty({threads, tile, K * C}, input.options());
  AT_DISPATCH_FLOATING_TYPES(input.scalar_type(), "dcn_forward_cpu", [&] {
    // Each thread computes its tile's taps just before sampling them (in L2, not a 13 MB table through memory).
    auto tap_buffers = tap_storage<scalar_t>(threads * tile * K);
    for (int64_t b = 0; b < N; ++b) {
      auto in = input[b].permute({1, 2, 0}).contiguous();  // [H, W, C]
      auto ob = out[b].view({O, P});
      if (bias.defined()) ob.copy_(bias.view({O, 1}).expand({O, P}));
      const scalar_t* off = offset[b].data_ptr<scalar_t>();
      const scalar_t* msk = mask[b].data_ptr<scalar_t>();
      RECORD_USER_SCOPE("glip::dcn_tiles");
      at::parallel_for(0, tiles, (tiles + threads - 1) / threads, [&](int64_t t0, int64_t t1) {
        const int64_t thread = std::min<int64_t>(at::get_thread_num(), threads - 1);
        auto col = cols[thread];
        Tap<scalar_t>* taps = static_cast<Tap<scalar_t>*>(tap_buffers.data_ptr()) + thread * tile * K;
        for (int64_t t = t0; t < t1; ++t) {
          const int64_t p0 = t * tile, n = std::min(tile, P - p0);
          fill_taps(off, msk, H, W, g, p0, p0 + n, taps);
          im2col_rows<scalar_t>(in.data_ptr<scalar_t>(), taps, C, K, p0, p0 + n, col.data_ptr<scalar_t>());
          auto o = ob.narrow(1, p0, n);
          ops::mm_out(o, wk, col.narrow(0, 0, n).t(), bias.defined() ? 1.f : 0.f);
        }
      });
    }
  });
  return out;
}

DcnGrads dcn_backward_cpu(const at::Tensor& grad_out, const at::Tensor& input, const at::Tensor& offset,
                          const at::Tensor& mask, const at::Tensor& weight, const DcnGeometry& g,
                          const DcnNeeds& needs) {
  const int64_t N = input.size(0), C = input.size(1), H = input.size(2), W = input.size(3);
  const int64_t O = weight.size(0), K = g.kh * g.kw, P = g.out_h * g.out_w;
  at::Tensor gin, goff, gmask, gw, gb;
  if (needs.input) gin = at::empty_like(input);
  if (needs.offset_mask) goff = at::empty_like(offset), gmask = at::empty_like(mask);  // every element written
  if (needs.weight) gw = at::zeros({O, K * C}, weight.options());
  if (needs.bias) gb = grad_out.sum({0, 2, 3});
  if (!needs.input && !needs.offset_mask && !needs.weight) return {gin, goff, gmask, gw, gb};
  auto wk = weight_k_major(weight);
  auto col = needs.weight ? at::empty({P, K * C}, input.options()) : at::Tensor();
  auto gcol = at::empty({P, K * C}, input.options());
  auto gin_hwc = needs.input ? at::empty({H * W, C}, input.options()) : at::Tensor();
  AT_DISPATCH_FLOATING_TYPES(input.scalar_type(), "dcn_backward_cpu", [&] {
    for (int64_t b = 0; b < N; ++b) {
      auto tap_table = build_taps<scalar_t>(offset[b].data_ptr<scalar_t>(), mask[b].data_ptr<scalar_t>(), H, W, g);
      const Tap<scalar_t>* taps = static_cast<const Tap<scalar_t>*>(tap_table.data_ptr());
      auto in_t = input[b].permute({1, 2, 0}).contiguous();  // [H, W, C]
      const scalar_t* in = in_t.data_ptr<scalar_t>();
      auto gob = grad_out[b].reshape({O, P});
      if (needs.weight) {
        im2col<scalar_t>(in, taps, C, K, P, col.data_ptr<scalar_t>());
        ops::mm_out(gw, gob, col, 1.f);
      }
      if (!needs.input && !needs.offset_mask) continue;
      ops::mm_out(gcol, gob.t(), wk);
      if (needs.input) {
        gin_hwc.zero_();
        col2im<scalar_t>(gcol.data_ptr<scalar_t>(), taps, C, K, P, H * W, gin_hwc.data_ptr<scalar_t>());
        to_channels_first(gin_hwc.data_ptr<scalar_t>(), H * W, C, gin[b].data_ptr<scalar_t>());
      }
      if (needs.offset_mask) {
        offset_mask_grad<scalar_t>(gcol.data_ptr<scalar_t>(), in, taps, C, K, P, goff[b].data_ptr<scalar_t>(),
                                   gmask[b].data_ptr<scalar_t>());
      }
    }
  });
  if (gw.defined()) gw = gw.view({O, g.kh, g.kw, C}).permute({0, 3, 1, 2}).contiguous();
  return {gin, goff, gmask, gw, gb};
}

}  // namespace glip::ops::detail
