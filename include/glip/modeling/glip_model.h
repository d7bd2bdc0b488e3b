/**
 * The whole GLIP detector (official `GeneralizedVLRCNN` with `RPN_ONLY` and the `VLDYHEAD` RPN):
 *   backbone (Swin + FPN, `backbone.*`) -> P3..P7
 *   language_backbone (BERT, `language_backbone.body.model.*`) -> hidden / embedded / masks
 *   rpn (`rpn.*`): optional prompt-tuning `tunable_linear`, the VLDyHead `head`, the `anchor_generator`, the ATSS
 *   loss (training) and the ATSS post-processor (inference).
 * Every image may carry its own caption (TextBatch rows); padded tokens are masked per image.
 */
#pragma once
#include <ATen/ATen.h>
#include <torch/nn/module.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/pimpl.h>

#include <array>
#include <map>
#include <string>
#include <vector>

#include "glip/modeling/backbone/backbone.h"
#include "glip/modeling/head/anchor_generator.h"
#include "glip/modeling/head/atss_loss.h"
#include "glip/modeling/head/atss_postprocessor.h"
#include "glip/modeling/head/vl_dyhead.h"
#include "glip/modeling/language/language_backbone.h"
#include "glip/modeling/linear.h"
#include "glip/structures/batch.h"

namespace glip::modeling {

struct GlipModelOptions {
  BackboneOptions backbone;
  LanguageBackboneOptions language;
  VLDyHeadOptions head;
  AnchorGeneratorOptions anchors;
  AtssLossOptions loss;
  AtssPostProcessorOptions postprocess;
  bool add_linear_layer = false;         ///< FUSE_CONFIG.ADD_LINEAR_LAYER: prompt tuning `rpn.tunable_linear`
  bool use_classification_loss = false;  ///< FUSE_CONFIG.USE_CLASSIFICATION_LOSS (else loss_cls x 0)
  double dot_product_token_loss_weight = 1.0;

  /** GLIP-T (= T(B) = T(C) architecture): Swin-T, 6 fused blocks. */
  static GlipModelOptions glip_t();
  /** GLIP-T(A): Swin-T, no deep fusion, masked BERT output for the alignment. */
  static GlipModelOptions glip_t_a();
  /** GLIP-L: Swin-L, 8 fused blocks. */
  static GlipModelOptions glip_l();
  /**
   * Small CPU variant: Swin embed 24 (depths 2-2-2-2), 32 channels, 2 tower blocks, a 2-layer 64-wide BERT with
   * the bert-base vocabulary; `fused` false gives the T(A)-style tower.
   */
  static GlipModelOptions tiny(bool fused = true);
  /** Makes the sizes consistent (lang dims, channels, anchors per location) and validates; throws InputError. */
  void finalize();
};

/** Official VLDyHeadModule: `head`, `anchor_generator` and (prompt tuning) `tunable_linear`. */
class VLDyHeadModuleImpl : public torch::nn::Module {
 public:
  explicit VLDyHeadModuleImpl(const GlipModelOptions& options);
  /** Applies the prompt-tuning offsets (when present) to embedded and hidden, then runs the head. */
  VLDyHeadResult forward(const std::vector<at::Tensor>& levels, LanguageFeatures lang);

  VLDyHead head{nullptr};
  AnchorGenerator anchor_generator{nullptr};
  modeling::Linear tunable_linear{nullptr};
};
TORCH_MODULE(VLDyHeadModule);

/** What one forward pass produced. */
struct GlipOutput {
  HeadOutputs head;                          ///< raw per-level predictions
  std::vector<at::Tensor> anchors;           ///< per level [A_l, 4]
  at::Tensor fused_hidden;                   ///< [B, T, lang_dim] the tower's final language features
  std::map<std::string, at::Tensor> losses;  ///< training: loss_reg, loss_centerness, loss_cls, loss_dot_product_token
  std::vector<Detections> detections;        ///< inference with label maps: per image, in the resized-image frame
};

class GlipModelImpl : public torch::nn::Module {
 public:
  explicit GlipModelImpl(GlipModelOptions options);

  /**
   * Training (is_training()): needs one GroundingTarget per image and fills `losses`.
   * Inference: fills `detections` when `label_to_tokens` is given (one map per image, or one for all).
   * The raw head outputs and anchors are always returned.
   */
  GlipOutput forward(const ImageBatch& images, const TextBatch& text, const std::vector<GroundingTarget>& targets = {},
                     const std::vector<LabelToTokens>& label_to_tokens = {});

  /** The backbone's P3..P7 for a padded image batch [B, 3, H, W]; compute once, reuse across prompts. */
  std::vector<at::Tensor> visual_features(const at::Tensor& images);

  /**
   * forward() from precomputed visual features (levels of B images; image_sizes as in ImageBatch). The text batch
   * may hold B captions, or 1 caption that is used for every image.
   */
  GlipOutput forward_features(const std::vector<at::Tensor>& levels,
                              const std::vector<std::array<int64_t, 2>>& image_sizes, const TextBatch& text,
                              const std::vector<GroundingTarget>& targets = {},
                              const std::vector<LabelToTokens>& label_to_tokens = {});

  /** The loss terms of a forward pass (the official VLDyHeadModule._forward_train weighting). */
  std::map<std::string, at::Tensor> compute_losses(const GlipOutput& out, const std::vector<GroundingTarget>& targets,
                                                   const at::Tensor& text_masks) const;

  /**
   * The ATSS loss stats of a training batch from its targets alone (no forward pass): the anchors of a padded
   * batch [B, 3, H, W] are those of feature maps ceil(H / stride) x ceil(W / stride), as the backbones give them.
   * num_tokens: the text length. What compute_losses() would see for the same batch.
   */
  AtssLocalStats loss_stats(const at::Tensor& images, int64_t num_tokens,
                            const std::vector<GroundingTarget>& targets) const;
  /** The divisors compute_losses() uses (null: each call's own, as one process with one batch). */
  void set_loss_normalizers(AtssNormalizerFn fn) { loss_.set_normalizers(std::move(fn)); }

  const GlipModelOptions& options() const { return options_; }

  /** Detections kept per image by the post-processor (MODEL.ATSS.DETECTIONS_PER_IMG); <= 0: no cut. */
  int64_t detections_per_image() const { return postprocessor_.options().detections_per_image; }
  void set_detections_per_image(int64_t n);

  Backbone backbone{nullptr};
  LanguageBackbone language_backbone{nullptr};
  VLDyHeadModule rpn{nullptr};

 private:
  GlipModelOptions options_;
  AtssLoss loss_;
  AtssPostProcessor postprocessor_;
};
TORCH_MODULE(GlipModel);

}  // namespace glip::modeling
