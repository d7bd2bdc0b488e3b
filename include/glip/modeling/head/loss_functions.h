/**
 * The loss terms of GLIP's ATSS head, written to be numerically stable in fp32 (log-sigmoid / BCE-with-logits
 * forms: no log(0) for huge logits; logits are clamped to +-1e30 so that no backward intermediate overflows).
 * Each returns the SUM over its elements, as the official modules do.
 */
#pragma once
#include <ATen/ATen.h>

namespace glip::modeling {

/**
 * SigmoidFocalLoss (maskrcnn_benchmark, cls_logits): logits [N, C], integer labels [N] where label c in 1..C
 * is the positive class of column c - 1, 0 is background and labels < 0 are ignored:
 * -alpha (1-p)^gamma log p on the positive column, -(1-alpha) p^gamma log(1-p) on the others.
 */
at::Tensor sigmoid_focal_loss(const at::Tensor& logits, const at::Tensor& labels, double gamma, double alpha);

/**
 * token_sigmoid_binary_focal_loss: BCE-with-logits(x, y) * (1 - p_t)^gamma * alpha_t with
 * p_t = p y + (1 - p)(1 - y), alpha_t = alpha y + (1 - alpha)(1 - y) (alpha < 0 disables it), over logits and
 * targets [B, A, T]; only tokens where text_mask [B, T] is > 0 count (undefined mask: all tokens).
 */
at::Tensor token_sigmoid_binary_focal_loss(const at::Tensor& logits, const at::Tensor& targets,
                                           const at::Tensor& text_mask, double alpha, double gamma);

/**
 * GIoU loss of the official ATSS head: sum of (1 - GIoU(pred, target)) over [P, 4] xyxy boxes, weighted by
 * `weight` [P] when it is defined and sums to > 0. The predicted x2/y2 are raised to at least x1/y1; areas
 * have no +1; 1e-7 is added to the union and to the enclosing area.
 */
at::Tensor giou_loss(const at::Tensor& pred_boxes, const at::Tensor& target_boxes, const at::Tensor& weight);

}  // namespace glip::modeling
