// CUDA modulated deformable convolution (compiled only with GLIP_WITH_CUDA). Same algorithm as the CPU path:
// per image, a bilinear im2col into columns [C*K, Ho*Wo] and a GEMM; backward: GEMMs, an atomicAdd scatter for
// the input gradient and a per-(tap, pixel) channel reduction for the offset/mask gradients.
#include <ATen/ATen.h>
#include <ATen/cuda/CUDAContext.h>

#include "ops/deform_conv_kernels.h"

namespace glip::ops::detail {
namespace {

constexpr int kThreads = 256;
inline int blocks_for(int64_t n) { return static_cast<int>((n + kThreads - 1) / kThreads); }

struct Geo {
  int H, W, kh, kw, stride, pad, dil, Ho, Wo;
};

// Corner weights / derivatives of the official bilinear sample at (h, w); false when the sample is skipped.
template <typename T>
__device__ bool corners(const Geo& g, T h, T w, int idx[4], T wt[4], T dh[4], T dw[4]) {
  for (int q = 0; q < 4; ++q) idx[q] = 0, wt[q] = dh[q] = dw[q] = T(0);
  if (!(h > T(-1) && w > T(-1) && h < T(g.H) && w < T(g.W))) return false;
  const int hl = static_cast<int>(floor(h)), wl = static_cast<int>(floor(w));
  const T lh = h - hl, lw = w - wl, hh = T(1) - lh, hw = T(1) - lw;
  const bool ok[4] = {hl >= 0 && wl >= 0, hl >= 0 && wl + 1 <= g.W - 1, hl + 1 <= g.H - 1 && wl >= 0,
                      hl + 1 <= g.H - 1 && wl + 1 <= g.W - 1};
  const int id[4] = {hl * g.W + wl, hl * g.W + wl + 1, (hl + 1) * g.W + wl, (hl + 1) * g.W + wl + 1};
  const T ws[4] = {hh * hw, hh * lw, lh * hw, lh * lw};
  const T dhs[4] = {-hw, -lw, hw, lw};
  const T dws[4] = {-hh, hh, -lh, lh};
  for (int q = 0; q < 4; ++q) {
    if (!ok[q]) continue;
    idx[q] = id[q], wt[q] = ws[q], dh[q] = dhs[q], dw[q] = dws[q];
  }
  return true;
}

template <typename T>
struct Sample {
  bool valid;
  int idx[4];
  T wt[4], dh[4], dw[4];
};

// The bilinear sample of tap k at output pixel p (offsets read as [2K, Ho, Wo]).
template <typename T>
__device__ Sample<T> sample_tap(const Geo& g, const T* off, int k, int p) {
  const int P = g.Ho * g.Wo, y = p / g.Wo, x = p % g.Wo, i = k / g.kw, j = k % g.kw;
  const T h = T(y * g.stride - g.pad + i * g.dil) + off[(2 * k) * P + p];
  const T w = T(x * g.stride - g.pad + j * g.dil) + off[(2 * k + 1) * P + p];
  Sample<T> s;
  s.valid = corners(g, h, w, s.idx, s.wt, s.dh, s.dw);
  return s;
}

// one thread per (c, k, p)
template <typename T>
__global__ void im2col_kernel(int64_t n, const T* in, const T* off, const T* msk, Geo g, int K, T* col) {
  const int64_t P = int64_t(g.Ho) * g.Wo;
  for (int64_t t = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; t < n; t += int64_t(blockDim.x) * gridDim.x) {
    const int p = static_cast<int>(t % P), k = static_cast<int>((t / P) % K);
    const T* plane = in + (t / P / K) * g.H * g.W;
    const Sample<T> s = sample_tap(g, off, k, p);
    T v = T(0);
    if (s.valid)
      v = s.wt[0] * plane[s.idx[0]] + s.wt[1] * plane[s.idx[1]] + s.wt[2] * plane[s.idx[2]] + s.wt[3] * plane[s.idx[3]];
    col[t] = v * msk[k * P + p];
  }
}

// one thread per (c, k, p): scatter into the input gradient
template <typename T>
__global__ void col2im_kernel(int64_t n, const T* gcol, const T* off, const T* msk, Geo g, int K, T* gin) {
  const int64_t P = int64_t(g.Ho) * g.Wo;
  for (int64_t t = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; t < n; t += int64_t(blockDim.x) * gridDim.x) {
    const int p = static_cast<int>(t % P), k = static_cast<int>((t / P) % K);
    const Sample<T> s = sample_tap(g, off, k, p);
    if (!s.valid) continue;
    const T gm = gcol[t] * msk[k * P + p];
    T* plane = gin + (t / P / K) * g.H * g.W;
    for (int q = 0; q < 4; ++q) {
      if (s.wt[q] != T(0)) atomicAdd(plane + s.idx[q], gm * s.wt[q]);
    }
  }
}

// one thread per (k, p): reduction over channels
template <typename T>
__global__ void offset_mask_grad_kernel(int64_t n, const T* gcol, const T* in, const T* off, const T* msk, Geo g, int K,
                                        int64_t C, T* goff, T* gmask) {
  const int64_t P = int64_t(g.Ho) * g.Wo;
  for (int64_t t = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; t < n; t += int64_t(blockDim.x) * gridDim.x) {
    const int p = static_cast<int>(t % P), k = static_cast<int>(t / P);
    const Sample<T> s = sample_tap(g, off, k, p);
    T acc_h = T(0), acc_w = T(0), acc_m = T(0);
    for (int64_t c = 0; s.valid && c < C; ++c) {
      const T* plane = in + c * g.H * g.W;
      const T gc = gcol[(c * K + k) * P + p];
      const T v[4] = {plane[s.idx[0]], plane[s.idx[1]], plane[s.idx[2]], plane[s.idx[3]]};
      acc_m += gc * (s.wt[0] * v[0] + s.wt[1] * v[1] + s.wt[2] * v[2] + s.wt[3] * v[3]);
      acc_h += gc * (s.dh[0] * v[0] + s.dh[1] * v[1] + s.dh[2] * v[2] + s.dh[3] * v[3]);
      acc_w += gc * (s.dw[0] * v[0] + s.dw[1] * v[1] + s.dw[2] * v[2] + s.dw[3] * v[3]);
    }
    const T m = msk[k * P + p];
    goff[(2 * k) * P + p] = acc_h * m;
    goff[(2 * k + 1) * P + p] = acc_w * m;
    gmask[k * P + p] = acc_m;
  }
}

Geo make_geo(const at::Tensor& input, const DcnGeometry& g) {
  return Geo{static_cast<int>(input.size(2)), static_cast<int>(input.size(3)), static_cast<int>(g.kh),
             static_cast<int>(g.kw),          static_cast<int>(g.stride),      static_cast<int>(g.pad),
             static_cast<int>(g.dil),         static_cast<int>(g.out_h),       static_cast<int>(g.out_w)};
}

}  // namespace

at::Tensor dcn_forward_cuda(const at::Tensor& input, const at::Tensor& offset, const at::Tensor& mask,
                            const at::Tensor& weight, const at::Tensor& bias, const DcnGeometry& g) {
  const int64_t N = input.size(0), C = input.size(1), O = weight.size(0), K = g.kh * g.kw, P = g.out_h * g.out_w;
  auto out = at::empty({N, O, g.out_h, g.out_w}, input.options());
  auto col = at::empty({C * K, P}, input.options());
  auto w2d = weight.reshape({O, C * K});
  const Geo geo = make_geo(input, g);
  auto stream = at::cuda::getCurrentCUDAStream();
  AT_DISPATCH_FLOATING_TYPES(input.scalar_type(), "dcn_forward_cuda", [&] {
    for (int64_t b = 0; b < N; ++b) {
      const int64_t n = C * K * P;
      im2col_kernel<scalar_t><<<blocks_for(n), kThreads, 0, stream>>>(
          n, input[b].data_ptr<scalar_t>(), offset[b].data_ptr<scalar_t>(), mask[b].data_ptr<scalar_t>(), geo,
          static_cast<int>(K), col.data_ptr<scalar_t>());
      auto ob = out[b].view({O, P});
      at::addmm_out(ob, bias.view({O, 1}), w2d, col);
    }
  });
  return out;
}

DcnGrads dcn_backward_cuda(const at::Tensor& grad_out, const at::Tensor& input, const at::Tensor& offset,
                           const at::Tensor& mask, const at::Tensor& weight, const DcnGeometry& g,
                           const DcnNeeds& needs) {
  const int64_t N = input.size(0), C = input.size(1), O = weight.size(0), K = g.kh * g.kw, P = g.out_h * g.out_w;
  at::Tensor gin, goff, gmask, gw, gb;
  if (needs.input) gin = at::zeros_like(input);
  if (needs.offset_mask) goff = at::zeros_like(offset), gmask = at::zeros_like(mask);
  if (needs.weight) gw = at::zeros({O, C * K}, weight.options());
  if (needs.bias) gb = grad_out.sum({0, 2, 3});
  auto w2d = weight.reshape({O, C * K});
  auto col = at::empty({C * K, P}, input.options());
  auto gcol = at::empty({C * K, P}, input.options());
  const Geo geo = make_geo(input, g);
  auto stream = at::cuda::getCurrentCUDAStream();
  AT_DISPATCH_FLOATING_TYPES(input.scalar_type(), "dcn_backward_cuda", [&] {
    for (int64_t b = 0; b < N; ++b) {
      const scalar_t* in = input[b].data_ptr<scalar_t>();
      const scalar_t* off = offset[b].data_ptr<scalar_t>();
      const scalar_t* msk = mask[b].data_ptr<scalar_t>();
      auto gob = grad_out[b].reshape({O, P});
      const int64_t n = C * K * P;
      if (needs.weight) {
        im2col_kernel<scalar_t><<<blocks_for(n), kThreads, 0, stream>>>(n, in, off, msk, geo, static_cast<int>(K),
                                                                        col.data_ptr<scalar_t>());
        gw.addmm_(gob, col.t());
      }
      if (!needs.input && !needs.offset_mask) continue;
      at::mm_out(gcol, w2d.t(), gob);
      if (needs.input) {
        col2im_kernel<scalar_t><<<blocks_for(n), kThreads, 0, stream>>>(
            n, gcol.data_ptr<scalar_t>(), off, msk, geo, static_cast<int>(K), gin[b].data_ptr<scalar_t>());
      }
      if (needs.offset_mask) {
        offset_mask_grad_kernel<scalar_t><<<blocks_for(K * P), kThreads, 0, stream>>>(
            K * P, gcol.data_ptr<scalar_t>(), in, off, msk, geo, static_cast<int>(K), C, goff[b].data_ptr<scalar_t>(),
            gmask[b].data_ptr<scalar_t>());
      }
    }
  });
  if (gw.defined()) gw = gw.view(weight.sizes());
  return {gin, goff, gmask, gw, gb};
}

}  // namespace glip::ops::detail
