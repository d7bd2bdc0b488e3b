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

struct BiAttentionOptions {
  int64_t v_dim = 256;             ///< visual channels (JOINT_EMB_SIZE)
  int64_t l_dim = 768;             ///< language channels (LANG_DIM)
  int64_t embed_dim = 2048;        ///< attention width (hard-coded 2048 in VLFuse)
  int64_t num_heads = 8;           ///< hard-coded 8 in VLFuse
  double dropout = 0.1;            ///< on both attention maps (training only)
  double init_gamma = 1.0 / 6.0;   ///< layer scale init: 1 / NUM_CONVS
  bool stable_softmax_2d = false;  ///< FUSE_CONFIG.STABLE_SOFTMAX_2D
  bool clamp_min = true;           ///< FUSE_CONFIG.CLAMP_MIN_FOR_UNDERFLOW
  bool clamp_max = true;           ///< FUSE_CONFIG.CLAMP_MAX_FOR_OVERFLOW
  void validate() const;
};

/** The attention itself: returns the updates (delta_v [B, N, v_dim], delta_l [B, T, l_dim]). */
class BiMultiHeadAttentionImpl : public torch::nn::Module {
 public:
  explicit BiMultiHeadAttentionImpl(const BiAttentionOptions& o);
  /**
   * v [B, N, v_dim] (all pixels of all levels), l [B, T, l_dim], mask_l [B, T] (1 real token, 0 padding;
   * undefined = no masking). Padded tokens are masked for the image side only; the text side's softmax runs
   * over every pixel, padded ones included, as upstream.
   */
  std::pair<at::Tensor, at::Tensor> forward(const at::Tensor& v, const at::Tensor& l, const at::Tensor& mask_l);

  modeling::Linear v_proj{nullptr}, l_proj{nullptr}, values_v_proj{nullptr}, values_l_proj{nullptr};
  modeling::Linear out_v_proj{nullptr}, out_l_proj{nullptr};

 private:
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
