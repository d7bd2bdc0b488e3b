// CPU modulated deformable convolution: per image, a sampling table shared by all channels (4 corner indices,
// bilinear weights and their derivatives per kernel tap and output pixel), a parallel bilinear im2col into
// columns [C*K, Ho*Wo], then one GEMM with the weight. Backward: GEMMs for weight/column gradients, a
// channel-partitioned scatter for the input gradient (each thread owns whole input planes: no atomics) and a
// pixel-partitioned reduction over channels for the offset/mask gradients.
#include <ATen/Parallel.h>

#include <algorithm>
#include <cmath>
#include <vector>

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

// Table[k * P + p] for one image.
template <typename T>
std::vector<Tap<T>> build_taps(const T* off, const T* msk, int64_t H, int64_t W, const DcnGeometry& g) {
  const int64_t P = g.out_h * g.out_w, K = g.kh * g.kw;
  std::vector<Tap<T>> taps(static_cast<size_t>(K * P));
  at::parallel_for(0, K * P, 2048, [&](int64_t begin, int64_t end) {
    for (int64_t kp = begin; kp < end; ++kp) {
      const int64_t k = kp / P, p = kp % P;
      const int64_t y = p / g.out_w, x = p % g.out_w;
      const int64_t i = k / g.kw, j = k % g.kw;
      Tap<T>& t = taps[static_cast<size_t>(kp)];
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
  });
  return taps;
}

constexpr int64_t kBlock = 256;  // output pixels per work item: its taps stay in L1/L2 while channels loop

// columns[(c*K + k), p] = m * bilinear(input[c], tap). Work items are (tap, pixel block); each reads its taps
// once and loops over all channels.
template <typename T>
void im2col(const T* in, const std::vector<Tap<T>>& taps, int64_t C, int64_t HW, int64_t K, int64_t P, T* col) {
  const int64_t blocks = (P + kBlock - 1) / kBlock;
  at::parallel_for(0, K * blocks, 1, [&](int64_t begin, int64_t end) {
    for (int64_t kb = begin; kb < end; ++kb) {
      const int64_t k = kb / blocks, p0 = (kb % blocks) * kBlock, n = std::min(kBlock, P - p0);
      const Tap<T>* t = taps.data() + k * P + p0;
      for (int64_t c = 0; c < C; ++c) {
        const T* plane = in + c * HW;
        T* dst = col + (c * K + k) * P + p0;
        for (int64_t p = 0; p < n; ++p) {
          const Tap<T>& e = t[p];
          dst[p] = e.m * (e.w[0] * plane[e.idx[0]] + e.w[1] * plane[e.idx[1]] + e.w[2] * plane[e.idx[2]] +
                          e.w[3] * plane[e.idx[3]]);
        }
      }
    }
  });
}

// grad_in[c] += scatter of grad_col rows c*K .. c*K+K-1. Each thread owns a contiguous range of whole input
// channels (no atomics) and walks the taps block by block, looping over its channels inside.
template <typename T>
void col2im(const T* gcol, const std::vector<Tap<T>>& taps, int64_t C, int64_t HW, int64_t K, int64_t P, T* gin) {
  const int64_t grain = std::max<int64_t>(1, (C + at::get_num_threads() - 1) / at::get_num_threads());
  at::parallel_for(0, C, grain, [&](int64_t c_begin, int64_t c_end) {
    for (int64_t k = 0; k < K; ++k) {
      for (int64_t p0 = 0; p0 < P; p0 += kBlock) {
        const int64_t n = std::min(kBlock, P - p0);
        const Tap<T>* t = taps.data() + k * P + p0;
        for (int64_t c = c_begin; c < c_end; ++c) {
          T* plane = gin + c * HW;
          const T* g = gcol + (c * K + k) * P + p0;
          for (int64_t p = 0; p < n; ++p) {
            const Tap<T>& e = t[p];
            const T gm = g[p] * e.m;
            for (int q = 0; q < 4; ++q) plane[e.idx[q]] += gm * e.w[q];
          }
        }
      }
    }
  });
}

// grad_offset[2k], [2k+1] and grad_mask[k] at each pixel: reductions over channels, blocks of pixels per thread.
template <typename T>
void offset_mask_grad(const T* gcol, const T* in, const std::vector<Tap<T>>& taps, int64_t C, int64_t HW, int64_t K,
                      int64_t P, T* goff, T* gmask) {
  const int64_t blocks = (P + kBlock - 1) / kBlock;
  at::parallel_for(0, K * blocks, 1, [&](int64_t begin, int64_t end) {
    T acc_h[kBlock], acc_w[kBlock], acc_m[kBlock];
    for (int64_t kb = begin; kb < end; ++kb) {
      const int64_t k = kb / blocks, p0 = (kb % blocks) * kBlock, n = std::min(kBlock, P - p0);
      std::fill(acc_h, acc_h + n, T(0));
      std::fill(acc_w, acc_w + n, T(0));
      std::fill(acc_m, acc_m + n, T(0));
      const Tap<T>* t = taps.data() + k * P + p0;
      for (int64_t c = 0; c < C; ++c) {
        const T* plane = in + c * HW;
        const T* g = gcol + (c * K + k) * P + p0;
        for (int64_t p = 0; p < n; ++p) {
          const Tap<T>& e = t[p];
          const T v0 = plane[e.idx[0]], v1 = plane[e.idx[1]], v2 = plane[e.idx[2]], v3 = plane[e.idx[3]];
          acc_m[p] += g[p] * (e.w[0] * v0 + e.w[1] * v1 + e.w[2] * v2 + e.w[3] * v3);
          acc_h[p] += g[p] * (e.dh[0] * v0 + e.dh[1] * v1 + e.dh[2] * v2 + e.dh[3] * v3);
          acc_w[p] += g[p] * (e.dw[0] * v0 + e.dw[1] * v1 + e.dw[2] * v2 + e.dw[3] * v3);
        }
      }
      for (int64_t p = 0; p < n; ++p) {
        goff[(2 * k) * P + p0 + p] = acc_h[p] * t[p].m;
        goff[(2 * k + 1) * P + p0 + p] = acc_w[p] * t[p].m;
        gmask[k * P + p0 + p] = acc_m[p];
      }
    }
  });
}

}  // namespace

at::Tensor dcn_forward_cpu(const at::Tensor& input, const at::Tensor& offset, const at::Tensor& mask,
                           const at::Tensor& weight, const at::Tensor& bias, const DcnGeometry& g) {
  const int64_t N = input.size(0), C = input.size(1), H = input.size(2), W = input.size(3);
  const int64_t O = weight.size(0), K = g.kh * g.kw, P = g.out_h * g.out_w;
  auto out = at::empty({N, O, g.out_h, g.out_w}, input.options());
  auto w2d = weight.reshape({O, C * K});
  auto col = at::empty({C * K, P}, input.options());
  AT_DISPATCH_FLOATING_TYPES(input.scalar_type(), "dcn_forward_cpu", [&] {
    for (int64_t b = 0; b < N; ++b) {
      auto taps = build_taps<scalar_t>(offset[b].data_ptr<scalar_t>(), mask[b].data_ptr<scalar_t>(), H, W, g);
      im2col<scalar_t>(input[b].data_ptr<scalar_t>(), taps, C, H * W, K, P, col.data_ptr<scalar_t>());
      auto ob = out[b].view({O, P});
      if (bias.defined()) {
        at::addmm_out(ob, bias.view({O, 1}), w2d, col);
      } else {
        at::mm_out(ob, w2d, col);
      }
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
  if (needs.input) gin = at::zeros_like(input);
  if (needs.offset_mask) goff = at::zeros_like(offset), gmask = at::zeros_like(mask);
  if (needs.weight) gw = at::zeros({O, C * K}, weight.options());
  if (needs.bias) gb = grad_out.sum({0, 2, 3});
  if (!needs.input && !needs.offset_mask && !needs.weight) return {gin, goff, gmask, gw, gb};
  auto w2d = weight.reshape({O, C * K});
  auto col = needs.weight ? at::empty({C * K, P}, input.options()) : at::Tensor();
  auto gcol = at::empty({C * K, P}, input.options());
  AT_DISPATCH_FLOATING_TYPES(input.scalar_type(), "dcn_backward_cpu", [&] {
    for (int64_t b = 0; b < N; ++b) {
      auto taps = build_taps<scalar_t>(offset[b].data_ptr<scalar_t>(), mask[b].data_ptr<scalar_t>(), H, W, g);
      const scalar_t* in = input[b].data_ptr<scalar_t>();
      auto gob = grad_out[b].reshape({O, P});
      if (needs.weight) {
        im2col<scalar_t>(in, taps, C, H * W, K, P, col.data_ptr<scalar_t>());
        gw.addmm_(gob, col.t());
      }
      if (!needs.input && !needs.offset_mask) continue;
      at::mm_out(gcol, w2d.t(), gob);
      if (needs.input) col2im<scalar_t>(gcol.data_ptr<scalar_t>(), taps, C, H * W, K, P, gin[b].data_ptr<scalar_t>());
      if (needs.offset_mask) {
        offset_mask_grad<scalar_t>(gcol.data_ptr<scalar_t>(), in, taps, C, H * W, K, P, goff[b].data_ptr<scalar_t>(),
                                   gmask[b].data_ptr<scalar_t>());
      }
    }
  });
  if (gw.defined()) gw = gw.view(weight.sizes());
  return {gin, goff, gmask, gw, gb};
}

}  // namespace glip::ops::detail
