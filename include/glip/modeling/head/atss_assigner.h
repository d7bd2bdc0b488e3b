/**
 * ATSS target assignment of GLIP (`ATSSLossComputation.prepare_targets`):
 *  1. per level, the top-k (9 x anchors per location) anchors whose centres are nearest each GT centre;
 *  2. a candidate is positive when its IoU (+1 convention) >= mean + std (unbiased) of that GT's candidate
 *     IoUs and the anchor centre lies inside the GT by more than 0.01 on every side;
 *  3. an anchor positive for several GTs keeps the GT with the highest IoU.
 * An image without GT boxes is valid: every anchor is negative.
 */
#pragma once
#include <ATen/ATen.h>

#include <vector>

#include "glip/modeling/head/box_coder.h"

namespace glip::modeling {

struct AtssAssignerOptions {
  int64_t topk = 9;                  ///< MODEL.ATSS.TOPK
  int64_t anchors_per_location = 1;  ///< ratios x scales per octave
  double inside_margin = 0.01;       ///< the anchor centre must be inside the GT by more than this
};

/** Targets of every anchor of one image (anchors concatenated over levels). */
struct AnchorTargets {
  at::Tensor labels;        ///< [A] int64: the matched GT's label, 0 for negatives
  at::Tensor matched_gt;    ///< [A] int64: index of the matched GT, -1 for negatives
  at::Tensor reg_targets;   ///< [A, 4]: box-coder deltas to the matched GT (to GT 0 for negatives, as upstream;
                            ///<         zeros when the image has no GT)
  at::Tensor token_labels;  ///< [A, T]: the matched GT's positive-map row; negatives: 1 in the last column only
};

/**
 * Assigns the anchors of one image. anchors_per_level: [A_l, 4] xyxy per level; gt_boxes [N, 4] xyxy;
 * gt_labels [N] int64; positive_map [N, T] (used as given: binarise before calling for the official training
 * targets). num_tokens is T (used when N == 0 and positive_map is undefined).
 */
AnchorTargets atss_assign(const std::vector<at::Tensor>& anchors_per_level, const at::Tensor& gt_boxes,
                          const at::Tensor& gt_labels, const at::Tensor& positive_map, int64_t num_tokens,
                          const BoxCoder& box_coder, const AtssAssignerOptions& options = {});

/**
 * Centerness targets sqrt(min(l, r) / max(l, r) * min(t, b) / max(t, b)) of positive anchors [P, 4] from their
 * regression targets [P, 4] (the distances from the anchor centre to the decoded GT sides).
 */
at::Tensor centerness_targets(const at::Tensor& reg_targets, const at::Tensor& anchors, const BoxCoder& box_coder);

}  // namespace glip::modeling
