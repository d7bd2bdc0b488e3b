/**
 * The two softmaxes of GLIP's bidirectional attention (the fusion block, BiMultiHeadAttention) in two passes over
 * the scores, for inference on the CPU.
 *
 * For scores s [H, N, T] (heads, pixels, tokens) the official code computes, with clamp = +-50000 where enabled:
 *   s   = clamp(s)
 *   P_v = softmax over T of (s + m), m[t] = mask[t] for real tokens and -9e15 for padding (no mask: m = 0)
 *   P_l = softmax over N of clamp(s - max over N of s)       (stored transposed in the official code)
 * and then P_v V_l and P_l^T V_v. LibTorch runs that as ~8 passes over the [H, N, T] tensor (clamp, max, subtract,
 * clamp, a strided softmax over N, add, softmax over T), ~0.25 s of a GLIP-T fusion block on 2 threads.
 *
 * bi_attention_softmax() reads the scores twice: the first pass writes P_v and the maxima over N, the second
 * overwrites the scores with E = exp(clamp(s - max)) and sums E over N. P_l = E / sum is never formed: the
 * caller divides the rows of E^T V_v by the sums (`inv_sum_l`), which is the same product up to float rounding.
 * The exponential is a degree-6 polynomial (Cephes expf, within 2 ulp of std::exp); LibTorch's softmax uses
 * SLEEF's. Sums run in a fixed order (row chunks of a fixed size, 16 lanes combined the same way on every CPU),
 * so results do not depend on the thread count or the instruction set.
 *
 * The scores may be [H, N, T] contiguous or any dense layout with unit stride over T, such as the [N, H, T]
 * (pixel-major) scores of the folded fusion block; the probabilities come back in the scores' layout, the values do not
 * depend on it. Only for float32 CPU scores with no gradient recorded (supports_fused_bi_attention_softmax); training,
 * other devices and dtypes keep the official ATen composition (modeling/fusion/bi_attention.cpp).
 */
#pragma once
#include <ATen/ATen.h>

namespace glip::ops {

struct BiAttentionSoftmax {
  at::Tensor probs_v;    // [H, N, T] (the scores' strides): softmax over T, as the official attn_weights_v
  at::Tensor exp_l;      // [H, N, T]: exp(clamp(s - max over N)); the scores' storage, overwritten
  at::Tensor inv_sum_l;  // [H, T]: 1 / sum over N of exp_l, so that P_l[h, :, t] = exp_l[h, :, t] * inv_sum_l[h, t]
};

/**
 * Whether bi_attention_softmax() takes `scores`: float32, 3-d, dense (non-overlapping, no gaps) with unit stride over
 * T, on the CPU, no gradient recorded.
 */
bool supports_fused_bi_attention_softmax(const at::Tensor& scores);

/**
 * The two softmaxes of the scores [H, N, T] as above; `token_mask` [T] (0 = padding, any other value is added as
 * the official code adds it) or undefined. `scores` is overwritten (it becomes exp_l). InputError when
 * supports_fused_bi_attention_softmax() is false or the mask does not have T elements.
 */
BiAttentionSoftmax bi_attention_softmax(at::Tensor& scores, const at::Tensor& token_mask, bool clamp_min,
                                        bool clamp_max);

}  // namespace glip::ops
