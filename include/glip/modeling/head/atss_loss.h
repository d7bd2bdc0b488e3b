/**
 * The training losses of GLIP's ATSS head (`ATSSLossComputation` with the released GLIP-T settings):
 *  - loss_dot_product_token: token sigmoid binary focal loss (alpha 0.25, gamma 2) of the dot-product logits
 *    against the matched GT's positive-map row, over the valid tokens of each caption, / N_pos;
 *  - loss_reg: GIoU of the decoded boxes weighted by the centerness targets, / sum of centerness targets,
 *    x REG_LOSS_WEIGHT (2.0);
 *  - loss_centerness: BCE-with-logits against the centerness targets, / N_pos;
 *  - loss_cls: SigmoidFocalLoss of the dead cls_logits, / N_pos (the model multiplies it by 0 when
 *    USE_CLASSIFICATION_LOSS is off; it is computed so its value matches upstream).
 * N_pos and the centerness sum are AtssNormalizers: this call's own values by default; a trainer makes them the
 * official data-parallel averages (sum over the processes / number of processes), and glip's also over the
 * gradient-accumulation micro-batches of a step (engine::TrainTask::begin_step).
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

/** What one call of the loss sees: its positive anchors and the sum of their centerness targets. */
struct AtssLocalStats {
  int64_t num_pos = 0;
  double centerness_sum = 0.0;
};

/**
 * The divisors of the loss terms: `num_pos` of the token, cls and centerness losses (official
 * num_pos_avg_per_gpu = max(sum over processes / num_gpus, 1)), `centerness_sum` of the GIoU loss (official
 * sum_centerness_targets_avg_per_gpu). One process with one batch: max(num_pos, 1) and centerness_sum.
 */
struct AtssNormalizers {
  double num_pos = 1.0;
  double centerness_sum = 0.0;
};

/** Maps a call's local stats to its divisors (e.g. through an all-reduce). */
using AtssNormalizerFn = std::function<AtssNormalizers(const AtssLocalStats&)>;

/** The divisors of one process with one batch. */
AtssNormalizers local_normalizers(const AtssLocalStats& stats);

struct AtssLossOptions {
  AtssAssignerOptions assigner;
  BoxCoderOptions box_coder;
  double reg_loss_weight = 2.0;  ///< MODEL.ATSS.REG_LOSS_WEIGHT
  double focal_gamma = 2.0;      ///< MODEL.FOCAL.LOSS_GAMMA (cls loss)
  double focal_alpha = 0.25;     ///< MODEL.FOCAL.LOSS_ALPHA (cls loss)
  double token_gamma = 2.0;      ///< FUSE_CONFIG.TOKEN_GAMMA
  double token_alpha = 0.25;     ///< FUSE_CONFIG.TOKEN_ALPHA
  /// Binarise the positive-map rows (> 0 -> 1) before assignment, as GLIP's collate does for training.
  /// Set false to use the rows as given (the parity fixture feeds the normalised rows straight in).
  bool binarize_token_targets = true;
  /// The divisors of a call from its local stats. Called exactly once per call on every process, whether or not
  /// it has positives (it may run a collective). Null: local_normalizers.
  AtssNormalizerFn normalizers;
};

struct AtssLossOutput {
  at::Tensor loss_cls;                 ///< scalar; zeros when HeadOutputs::box_cls is empty
  at::Tensor loss_reg;                 ///< scalar, already x reg_loss_weight
  at::Tensor loss_centerness;          ///< scalar
  at::Tensor loss_dot_product_token;   ///< scalar
  std::vector<AnchorTargets> targets;  ///< per image, for inspection
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

  /**
   * The stats operator() will see for these targets, from the assignment alone (no predictions needed): lets a
   * trainer compute the normalisers of a whole step before its forward passes. num_tokens: the text length T.
   */
  AtssLocalStats local_stats(const std::vector<at::Tensor>& anchors, const std::vector<GroundingTarget>& targets,
                             int64_t num_tokens) const;

  const AtssLossOptions& options() const { return options_; }
  void set_normalizers(AtssNormalizerFn fn) { options_.normalizers = std::move(fn); }

 private:
  std::vector<AnchorTargets> assign(const std::vector<at::Tensor>& anchors, const std::vector<GroundingTarget>& targets,
                                    int64_t num_tokens, at::Device device) const;

  AtssLossOptions options_;
  BoxCoder box_coder_;
};

}  // namespace glip::modeling
