/**
 * Modulated deformable convolution (DCNv2, Zhu et al. 2019) as GLIP's DyHead uses it: one deformable group,
 * one convolution group, any kernel size (GLIP: 3x3, pad 1, dilation 1, stride 1 or 2), optional bias.
 *
 *   out[b, o, y, x] = bias[o] + sum_{c, i, j} weight[o, c, i, j] * mask[b, k, y, x] *
 *                     bilinear(input[b, c], y*stride - pad + i*dil + dy,  x*stride - pad + j*dil + dx)
 *   with k = i*kw + j, dy = offset[b, 2k, y, x], dx = offset[b, 2k+1, y, x].
 *
 * Bilinear sampling is zero outside the image: a sample is taken only when -1 < h < H and -1 < w < W, and
 * each of the four corners contributes only when it lies inside (exactly the official CUDA kernel).
 *
 * Offset/mask reading ("official reading"). The official op never resizes the offset and mask: for image b it
 * reads the memory of offset[b] (mask[b]) as a dense [2K, Ho, Wo] ([K, Ho, Wo]) array, i.e. with the OUTPUT's
 * sizes. GLIP's DyConv relies on this: the conv on the coarser level l+1 is fed level l's (larger) offsets, so
 * each offset "channel" c is simply the c-th run of Ho*Wo consecutive values of image b's offset values, which
 * wraps across rows of the larger map and overlaps later channels. This op reproduces that: when offset (mask)
 * has spatial size Ho x Wo it is read normally; otherwise image b's values are flattened in logical (C, H, W)
 * order and the first 2K*Ho*Wo (K*Ho*Wo) of them are taken as [2K, Ho, Wo] ([K, Ho, Wo]). For the channel slice
 * offset = offset_mask[:, :2K] that GLIP passes, this equals the raw-memory reading with batch stride
 * 3K*Hf*Wf. If the output were larger than the offset map the official op would read past image b's offsets
 * (into the mask logits or beyond the buffer); this op throws instead. The gradient w.r.t. offset/mask flows
 * back through that reading (values never read get zero gradient).
 *
 * Runs on CPU (parallel im2col + GEMM) and, when built with GLIP_WITH_CUDA, on CUDA. float and double.
 * Differentiable w.r.t. input, offset, mask, weight and bias (first order).
 */
#pragma once
#include <ATen/ATen.h>

#include <cstdint>

namespace glip::ops {

/**
 * input [N, C, H, W]; offset [N, 2K, Hf, Wf]; mask [N, K, Hm, Wm] (already sigmoid-ed); weight [O, C, kh, kw]
 * with K = kh*kw; bias [O] or undefined. Returns [N, O, Ho, Wo] with Ho = (H + 2*pad - dil*(kh-1) - 1)/stride + 1.
 * Throws glip::Error on inconsistent shapes, dtypes or devices.
 */
at::Tensor modulated_deform_conv2d(const at::Tensor& input, const at::Tensor& offset, const at::Tensor& mask,
                                   const at::Tensor& weight, const at::Tensor& bias, int64_t stride = 1,
                                   int64_t padding = 1, int64_t dilation = 1);

/**
 * The official reading described above: `t` [N, channels, h, w] viewed as [N, channels, Ho, Wo] (a normal view
 * when h x w == Ho x Wo, otherwise the first channels*Ho*Wo values of each image). Differentiable.
 */
at::Tensor read_offsets_as_output_size(const at::Tensor& t, int64_t channels, int64_t out_h, int64_t out_w);

}  // namespace glip::ops
