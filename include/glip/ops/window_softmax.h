/**
 * Swin's window attention softmax in one pass, for inference on the CPU.
 *
 * For the window products attn [B_, nH, N, N] (windows, heads, the window's N = ws^2 tokens twice), the relative
 * position bias [nH, N, N] and, in shifted blocks, the attention mask [nW, N, N] (0 / -100; window b uses mask
 * b mod nW), the official WindowAttention computes
 *   softmax over the last dimension of (attn + bias) + mask
 * which LibTorch runs as ~5 passes over maps that are ~2 GB per GLIP-L forward (the bias, the mask, the softmax's
 * max, exponential and scaling). window_softmax_() reads and writes each row once, while it is in the L1 cache: the
 * two additions in the official order, the row's max, the exponential (the Cephes polynomial of
 * ops/attention_softmax.h, within 2 ulp of std::exp; LibTorch's softmax uses SLEEF's) and the scaling. Rows are
 * independent, so the result does not depend on the thread count. Training and other devices keep the ATen
 * composition (modeling/backbone/swin_block.cpp).
 */
#pragma once
#include <ATen/ATen.h>

namespace glip::ops {

/**
 * Whether window_softmax_() takes these operands: float32 CPU tensors, contiguous, no gradient recorded; attn
 * [B_, nH, N, N], bias [nH, N, N], mask [nW, N, N] with nW dividing B_, or undefined.
 */
bool supports_fused_window_softmax(const at::Tensor& attn, const at::Tensor& bias, const at::Tensor& mask);

/**
 * attn = softmax over the last dimension of (attn + bias) + mask, in place, as above; `mask` may be undefined (no
 * shift). InputError, naming the shapes, when supports_fused_window_softmax() is false.
 */
void window_softmax_(at::Tensor& attn, const at::Tensor& bias, const at::Tensor& mask);

}  // namespace glip::ops
