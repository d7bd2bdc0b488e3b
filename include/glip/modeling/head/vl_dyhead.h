/**
 * GLIP's VLDyHead (official `modeling/rpn/vldyhead.py: VLDyHead`): the tower [VLFuse, BertEncoderLayer, DyConv]
 * x N (only DyConv for GLIP-T(A)) registered as `dyhead_tower.K`, then per level the box regression (times
 * `scales[l]`), centerness, the dead `cls_logits`, and the region-word alignment logits:
 *   e = normalize(text) ; T = dot_product_projection_text(e / 2) ; bias = e . bias_lang + bias0
 *   logits = clamp(v . T^T / exp(log_scale) + bias, +-50000)
 * where text is the tower's fused `hidden` (use_fused_features_dot_product) or the masked BERT output.
 */
#pragma once
#include <ATen/ATen.h>
#include <torch/nn/module.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/pimpl.h>

#include <vector>

#include "glip/modeling/fusion/bi_attention.h"
#include "glip/modeling/head/dyconv.h"
#include "glip/modeling/head/head_outputs.h"
#include "glip/modeling/language/bert.h"
#include "glip/modeling/language/language_backbone.h"
#include "glip/modeling/linear.h"

namespace glip::modeling {

struct VLDyHeadOptions {
  int64_t in_channels = 256;                   ///< MODEL.BACKBONE.OUT_CHANNELS
  int64_t channels = 256;                      ///< MODEL.DYHEAD.CHANNELS
  int64_t num_convs = 6;                       ///< MODEL.DYHEAD.NUM_CONVS (tower blocks)
  int64_t num_classes = 80;                    ///< MODEL.DYHEAD.NUM_CLASSES - 1 (width of the dead cls_logits)
  int64_t num_anchors = 1;                     ///< ratios x scales per octave
  double prior_prob = 0.01;                    ///< bias0 = cls bias = -log((1 - p) / p)
  double log_scale = 0.0;                      ///< MODEL.DYHEAD.LOG_SCALE
  bool early_fuse = true;                      ///< FUSE_CONFIG.EARLY_FUSE_ON (false: GLIP-T(A))
  bool use_fused_features_dot_product = true;  ///< FUSE_CONFIG.USE_FUSED_FEATURES_DOT_PRODUCT
  bool clamp_dot_product = true;               ///< FUSE_CONFIG.CLAMP_DOT_PRODUCT
  /** Fusion sizes; v_dim = JOINT_EMB_SIZE, l_dim = LANG_DIM; init_gamma is set to 1 / num_convs. */
  BiAttentionOptions fusion;
  /** The tower's BertEncoderLayer (bert-base sizes, clamps from CLAMP_BERTATTN_*; FFN clamps always on). */
  BertLayerOptions tower_bert;
  /** DyConv switches (USE_DYFUSE, USE_DYRELU, USE_DFCONV) and GN groups; channels are set per block. */
  DyConvOptions dyconv;
  int64_t lang_dim() const { return fusion.l_dim; }
  void validate() const;
};

/** Learnable scalar multiplier (`scales.l.scale`, init 1). */
class ScaleImpl : public torch::nn::Module {
 public:
  explicit ScaleImpl(double init = 1.0);
  at::Tensor forward(const at::Tensor& x) { return x * scale; }
  at::Tensor scale;
};
TORCH_MODULE(Scale);

/** The parameter-free placeholder the official tower holds after the last VLFuse when fused features are unused. */
class DummyLayerImpl : public torch::nn::Module {};
TORCH_MODULE(DummyLayer);

/** What the head returns: the per-level outputs and the tower's final language `hidden`. */
struct VLDyHeadResult {
  HeadOutputs outputs;
  at::Tensor fused_hidden;  ///< [B, T, lang_dim]
};

class VLDyHeadImpl : public torch::nn::Module {
 public:
  explicit VLDyHeadImpl(VLDyHeadOptions options);
  /** levels: FPN features P3..P7 [B, in_channels, h, w]; lang: the language backbone's features. */
  VLDyHeadResult forward(const std::vector<at::Tensor>& levels, const LanguageFeatures& lang);
  const VLDyHeadOptions& options() const { return options_; }

  torch::nn::ModuleList dyhead_tower{nullptr};
  torch::nn::Conv2d cls_logits{nullptr}, bbox_pred{nullptr}, centerness{nullptr};
  modeling::Linear dot_product_projection_text{nullptr};
  at::Tensor log_scale, bias_lang, bias0;
  torch::nn::ModuleList scales{nullptr};

 private:
  VLDyHeadOptions options_;
};
TORCH_MODULE(VLDyHead);

}  // namespace glip::modeling
