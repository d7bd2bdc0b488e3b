/**
 * GLIP's deep fusion (X-MHA): bi-directional image<->text attention (official `utils/fuse_helper.py`:
 * BiMultiHeadAttention, BiAttentionBlockForCheckpoint) and the VLFuse wrapper of the tower (`vldyhead.py`).
 * Parameter names match the official keys: `b_attn.{layer_norm_v, layer_norm_l, gamma_v, gamma_l}`,
 * `b_attn.attn.{v_proj, l_proj, values_v_proj, values_l_proj, out_v_proj, out_l_proj}`.
 */
#pragma once
#include <ATen/ATen.h>
#include <torch/nn/module.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/normalization.h>
#include <torch/nn/pimpl.h>

#include <utility>
#include <vector>

#include "glip/modeling/linear.h"

namespace glip::modeling {

/**
 * Whether inference folds the fusion block's projections into the attention (BiMultiHeadAttentionImpl::forward):
 * `automatic` where that saves at least 1e8 FLOP per image (BiAttentionFlops; GLIP-T/L, not the tiny model), `never`
 * (always the official composition), `always` (wherever inference on the CPU allows it; for tests).
 */
enum class FusionFold { automatic, never, always };

struct BiAttentionOptions {
  int64_t v_dim = 256;                      ///< visual channels (JOINT_EMB_SIZE)
  int64_t l_dim = 768;                      ///< language channels (LANG_DIM)
  int64_t embed_dim = 2048;                 ///< attention width (hard-coded 2048 in VLFuse)
  int64_t num_heads = 8;                    ///< hard-coded 8 in VLFuse
  double dropout = 0.1;                     ///< on both attention maps (training only)
  double init_gamma = 1.0 / 6.0;            ///< layer scale init: 1 / NUM_CONVS
  bool stable_softmax_2d = false;           ///< FUSE_CONFIG.STABLE_SOFTMAX_2D
  bool clamp_min = true;                    ///< FUSE_CONFIG.CLAMP_MIN_FOR_UNDERFLOW
  bool clamp_max = true;                    ///< FUSE_CONFIG.CLAMP_MAX_FOR_OVERFLOW
  FusionFold fold = FusionFold::automatic;  ///< inference only; the same values up to float rounding
  void validate() const;
};

/**
 * FLOPs (2 per multiply-add; normalisation and softmaxes not counted) of one image's block for N pixels and T tokens,
 * in the official composition and folded (BiMultiHeadAttentionImpl::forward). FusionFold::automatic folds where
 * fold_pays(): the fold saves at least 1e8 FLOP, below which the products are bound by their calls, not their
 * arithmetic (the tiny model's ~350-pixel images save ~5e6).
 */
struct BiAttentionFlops {
  double official = 0, folded = 0;
  bool fold_pays() const { return official - folded >= 1e8; }
};
BiAttentionFlops bi_attention_flops(const BiAttentionOptions& o, int64_t N, int64_t T);

/** The attention itself: returns the updates (delta_v [B, N, v_dim], delta_l [B, T, l_dim]). */
class BiMultiHeadAttentionImpl : public torch::nn::Module {
 public:
  explicit BiMultiHeadAttentionImpl(const BiAttentionOptions& o);
  /**
   * v [B, N, v_dim] (all pixels of all levels), l [B, T, l_dim], mask_l [B, T] (1 real token, 0 padding;
   * undefined = no masking). Padded tokens are masked for the image side only; the text side's softmax runs
   * over every pixel, padded ones included, as upstream.
   *
   * Folded inference (`fold`; CPU, float32, no gradient, no dropout, no stable_softmax_2d). With K = l_proj(l) and
   * V_l = values_l_proj(l) split into heads h of D columns, and W_q, W_vv, W_o the weights of v_proj,
   * values_v_proj, out_v_proj split the same way, the official block computes
   *   S_h = scale (v W_q,h^T + b_q,h) K_h^T,  out_v = [P_v,1 V_l,1 ... P_v,H V_l,H] W_o^T + b_o,
   *   out_l,h = P_l,h^T (v W_vv,h^T + b_vv,h)   (then out_l_proj),
   * where P_v, P_l are the two softmaxes of S. Regrouped, every product over the N pixels becomes one GEMM:
   *   S = v A^T + c                  with A_h = scale K_h W_q,h [T, C], c_h = scale K_h b_q,h  ([N, H * T] scores),
   *   out_v = P_v U + b_o            with U_h = V_l,h W_o,h^T [T, C]                      (P_v as [N, H * T]),
   *   out_l,h = (P_l,h^T v) W_vv,h^T + b_vv,h                      (the columns of P_l sum to 1),
   * 3 N H T C multiply-adds instead of 3 N E (C + T): for GLIP-T (N = 22,400 pixels, C = T = 256, E = 2,048) half of
   * the block's 141 GFLOP. The values are the official ones up to float rounding (tests/modeling/fusion).
   */
  std::pair<at::Tensor, at::Tensor> forward(const at::Tensor& v, const at::Tensor& l, const at::Tensor& mask_l);

  modeling::Linear v_proj{nullptr}, l_proj{nullptr}, values_v_proj{nullptr}, values_l_proj{nullptr};
  modeling::Linear out_v_proj{nullptr}, out_l_proj{nullptr};

 private:
  /** Whether forward() takes the folded form for N pixels and T tokens (`fold`, mode, device, FLOPs). */
  bool folds(int64_t N, int64_t T) const;
  /** One image's folded block: v [N, C], k and vl [H, T, D], mask [T]; returns (delta_v [N, C], delta_l [T, l]). */
  std::pair<at::Tensor, at::Tensor> folded(const at::Tensor& v, const at::Tensor& k, const at::Tensor& vl,
                                           const at::Tensor& mask);

  BiAttentionOptions o_;
};
TORCH_MODULE(BiMultiHeadAttention);

/**
 * Pre-LayerNorm bi-attention block with layer scale: v' = LN(v) + gamma_v * dv, l' = LN(l) + gamma_l * dl
 * (the residual is added to the normalised inputs, as upstream).
 */
class BiAttentionBlockImpl : public torch::nn::Module {
 public:
  explicit BiAttentionBlockImpl(const BiAttentionOptions& o);
  /** Flattened form: v [B, N, v_dim], l [B, T, l_dim]. */
  std::pair<at::Tensor, at::Tensor> forward(const at::Tensor& v, const at::Tensor& l, const at::Tensor& mask_l);
  /**
   * Levels form (BiAttentionBlockForCheckpoint): every level [B, C, h, w] is flattened row-major, the levels
   * are concatenated, attend in one call and are split back in the same order.
   */
  std::pair<std::vector<at::Tensor>, at::Tensor> forward_levels(const std::vector<at::Tensor>& levels,
                                                                const at::Tensor& l, const at::Tensor& mask_l);

  torch::nn::LayerNorm layer_norm_v{nullptr}, layer_norm_l{nullptr};
  BiMultiHeadAttention attn{nullptr};
  at::Tensor gamma_v, gamma_l;
};
TORCH_MODULE(BiAttentionBlock);

/** Flattens levels [B, C, h_i, w_i] into [B, sum h_i w_i, C] (row-major within a level, level-major). */
at::Tensor flatten_levels(const std::vector<at::Tensor>& levels);
/** Inverse of flatten_levels for x [B, N, C] and the level sizes (h, w). */
std::vector<at::Tensor> split_levels(const at::Tensor& x, const std::vector<std::pair<int64_t, int64_t>>& sizes);

/** The tower's VLFuse ('MHA-B'): holds `b_attn`. */
class VLFuseImpl : public torch::nn::Module {
 public:
  explicit VLFuseImpl(const BiAttentionOptions& o);
  /** Returns the fused levels and the new language `hidden`. */
  std::pair<std::vector<at::Tensor>, at::Tensor> forward(const std::vector<at::Tensor>& levels,
                                                         const at::Tensor& hidden, const at::Tensor& masks);

  BiAttentionBlock b_attn{nullptr};
};
TORCH_MODULE(VLFuse);

}  // namespace glip::modeling
