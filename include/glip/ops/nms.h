/**
 * Non-maximum suppression on the CPU (boxes on another device are copied over and the indices copied back:
 * NMS is a sequential greedy scan, cheap next to the network).
 *
 * Semantics follow GLIP's `ml_nms` CUDA kernel: boxes are visited in decreasing score order and a box is
 * suppressed by a kept, higher-scoring box when their IoU is strictly greater than the threshold. With
 * `plus_one` the IoU uses the legacy (x2 - x1 + 1) width convention.
 */
#pragma once
#include <ATen/ATen.h>

namespace glip::ops {

/**
 * Greedy NMS of boxes [N, 4] (xyxy, float or double) with scores [N]. Returns the kept indices (int64, on the
 * boxes' device) in decreasing score order (ties keep the input order).
 */
at::Tensor nms(const at::Tensor& boxes, const at::Tensor& scores, double iou_threshold, bool plus_one = true);

/**
 * Class-wise NMS (boxlist_ml_nms): boxes with different labels [N] (any integer or float dtype holding
 * integral values) never suppress each other. Returns kept indices in decreasing score order.
 */
at::Tensor batched_nms(const at::Tensor& boxes, const at::Tensor& scores, const at::Tensor& labels,
                       double iou_threshold, bool plus_one = true);

}  // namespace glip::ops
