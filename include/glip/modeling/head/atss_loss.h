/**
 * The training losses of GLIP's ATSS head (`ATSSLossComputation` with the released GLIP-T settings):
 *  - loss_dot_product_token: token sigmoid binary focal loss (alpha 0.25, gamma 2) of the dot-product logits
 *    against the matched GT's positive-map row, over the valid tokens of each caption, / N_pos;
 *  - loss_reg: GIoU of the decoded boxes weighted by the centerness targets, / sum of centerness targets,
 *    x REG_LOSS_WEIGHT (2.0);
 *  - loss_centerness: BCE-with-logits against the centerness targets, / N_pos;
 *  - loss_cls: SigmoidFocalLoss of the dead cls_logits, / N_pos (the model multiplies it by 0 when
 *    USE_CLASSIFICATION_LOSS is off; it is computed so its value matches upstream).
 * N_pos = max(total positives over all processes / world_size, 1).
 *
 * Unlike upstream, an image without GT boxes is fine: its anchors are all negative (token targets "no object");
 * when the whole batch has no positive, loss_reg and loss_centerness are zeros that stay connected to the graph.
 */
#pragma once
#include <ATen/ATen.h>

#include <functional>
#include <vector>

#include "glip/modeling/head/atss_assigner.h"
#include "glip/modeling/head/box_coder.h"
#include "glip/modeling/head/head_outputs.h"
#include "glip/structures/batch.h"

namespace glip::modeling {

struct AtssLossOptions {
  AtssAssignerOptions assigner;
  BoxCoderOptions box_coder;
  double reg_loss_weight = 2.0;   ///< MODEL.ATSS.REG_LOSS_WEIGHT
  double focal_gamma = 2.0;       ///< MODEL.FOCAL.LOSS_GAMMA (cls loss)
  double focal_alpha = 0.25;      ///< MODEL.FOCAL.LOSS_ALPHA (cls loss)
  double token_gamma = 2.0;       ///< FUSE_CONFIG.TOKEN_GAMMA
  double token_alpha = 0.25;      ///< FUSE_CONFIG.TOKEN_ALPHA
  /// Binarise the positive-map rows (> 0 -> 1) before assignment, as GLIP's collate does for training.
  /// Set false to use the rows as given (the parity fixture feeds the normalised rows straight in).
  bool binarize_token_targets = true;
  /// Number of processes; the normalisers are divided by it.
  int64_t world_size = 1;
  /// Sums a scalar over all processes (e.g. an all-reduce). Called exactly twice per call on every process,
  /// whether or not it has positives. Null for a single process.
  std::function<double(double)> all_reduce_sum;
};

struct AtssLossOutput {
  at::Tensor loss_cls;                ///< scalar; zeros when HeadOutputs::box_cls is empty
  at::Tensor loss_reg;                ///< scalar, already x reg_loss_weight
  at::Tensor loss_centerness;         ///< scalar
  at::Tensor loss_dot_product_token;  ///< scalar
  std::vector<AnchorTargets> targets; ///< per image, for inspection
};

class AtssLoss {
 public:
  explicit AtssLoss(AtssLossOptions options = {});

  /**
   * outputs: the head's per-level predictions for B images; anchors: per level [A_l, 4] (shared by the
   * batch); targets: B ground truths (boxes may be empty; positive_map [N, T]); text_masks [B, T] (> 0 for
   * real tokens; undefined: all tokens count).
   */
  AtssLossOutput operator()(const HeadOutputs& outputs, const std::vector<at::Tensor>& anchors,
                            const std::vector<GroundingTarget>& targets, const at::Tensor& text_masks) const;

  const AtssLossOptions& options() const { return options_; }

 private:
  AtssLossOptions options_;
  BoxCoder box_coder_;
};

}  // namespace glip::modeling
