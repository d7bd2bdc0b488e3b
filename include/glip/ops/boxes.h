/**
 * Box utilities in the maskrcnn_benchmark conventions GLIP uses: boxes are xyxy pixel coordinates and, with
 * `plus_one` (the "TO_REMOVE = 1" legacy convention), a box [x1, x2] is x2 - x1 + 1 pixels wide.
 */
#pragma once
#include <ATen/ATen.h>

#include <array>

namespace glip::ops {

/** Areas of [N, 4] xyxy boxes: (x2 - x1 + o) * (y2 - y1 + o) with o = 1 when plus_one. */
at::Tensor box_area(const at::Tensor& boxes, bool plus_one = true);

/**
 * Pairwise IoU [N, M] of xyxy boxes a [N, 4] and b [M, 4] (boxlist_iou): the intersection side is
 * clamp(min(x2) - max(x1) + o, 0). Differentiable; works on any device.
 */
at::Tensor box_iou(const at::Tensor& a, const at::Tensor& b, bool plus_one = true);

/**
 * Clamps xyxy boxes to an image of size (h, w) (BoxList.clip_to_image, remove_empty=False): x to
 * [0, w - o], y to [0, h - o] with o = 1 when plus_one.
 */
at::Tensor clip_boxes(const at::Tensor& boxes, std::array<int64_t, 2> image_hw, bool plus_one = true);

/** Indices (int64) of boxes whose width and height (x2 - x1 + o) are both >= min_size (remove_small_boxes). */
at::Tensor keep_min_size(const at::Tensor& boxes, double min_size, bool plus_one = true);

/**
 * Rescales xyxy boxes from an image of size from_hw to one of size to_hw (BoxList.resize): x is multiplied by
 * to_w / from_w and y by to_h / from_h.
 */
at::Tensor rescale_boxes(const at::Tensor& boxes, std::array<int64_t, 2> from_hw, std::array<int64_t, 2> to_hw);

}  // namespace glip::ops
