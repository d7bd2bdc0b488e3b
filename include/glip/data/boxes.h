/**
 * The box convention of the official GLIP code (maskrcnn_benchmark BoxList, "TO_REMOVE = 1"), in one place.
 *
 * A training box is xyxy with (x2, y2) the last pixel it covers: a COCO box [x, y, w, h] is [x, y, x + w - 1,
 * y + h - 1], w = x2 - x1 + 1 pixels wide. The model learns and predicts boxes in this convention (the ATSS box
 * coder and IoU add 1 to widths, the post-processor clips to size - 1), so every boundary of glip follows it:
 *   readers     COCO / LVIS / MDETR / Flickr30K / ODVG boxes in, through coco_xywh_to_xyxy (pseudo-label shards
 *               hold the teacher's own xyxy boxes, read as written, as the official caption.py reads "bboxes");
 *   sampling    clip_box_to_image (BoxList.clip_to_image(remove_empty=True): [0, W - 1] x [0, H - 1], a box
 *               not strictly wider and taller than 0 afterwards is dropped);
 *   transforms  resize_box (BoxList.resize: every coordinate times the ratio) and flip_box_left_right
 *               (BoxList.transpose(FLIP_LEFT_RIGHT): x1' = W - x2 - 1, x2' = W - x1 - 1);
 *   results     xyxy_to_result_xywh, in float32 as the official writers compute it: COCO-protocol result files
 *               as BoxList.convert("xywh") (w = x2 - x1 + 1), LVIS result files as MDETR's convert_to_xywh
 *               (w = x2 - x1, no + 1: LVIS boxes come out a pixel narrower and shorter, as the official ones);
 *               Flickr30K results are the xyxy boxes as predicted (inference/batch_detect.cpp).
 * Evaluation ground truth is never converted: pycocotools, lvis-api and MDETR's Flickr evaluator read the
 * annotation files themselves (glip's evaluators are their ports).
 */
#pragma once
#include <array>
#include <cstdint>

namespace glip::data {

/** COCO [x, y, w, h] -> xyxy, as BoxList(mode="xywh").convert("xyxy"): x2 = x + max(w - 1, 0) (y alike). */
std::array<float, 4> coco_xywh_to_xyxy(const std::array<float, 4>& xywh);

/**
 * xyxy -> [x, y, w, h] of a results file, in float32 arithmetic as the official float tensors: with `plus_one`
 * BoxList.convert("xywh") (w = x2 - x1 + 1; COCO protocol), without MDETR's convert_to_xywh (w = x2 - x1; LVIS).
 */
std::array<double, 4> xyxy_to_result_xywh(const std::array<float, 4>& xyxy, bool plus_one);

/**
 * BoxList.clip_to_image(remove_empty=True) for an image of `width` x `height`: clamps x to [0, width - 1] and y
 * to [0, height - 1]; false when the clipped box is empty (x2 <= x1 or y2 <= y1), which the caller drops.
 */
bool clip_box_to_image(std::array<float, 4>& xyxy, int64_t width, int64_t height);

/** BoxList.resize: x coordinates times `sx`, y coordinates times `sy` (no +1 involved). */
std::array<float, 4> resize_box(const std::array<float, 4>& xyxy, float sx, float sy);

/** BoxList.transpose(FLIP_LEFT_RIGHT) in an image `image_width` wide: [W - x2 - 1, y1, W - x1 - 1, y2]. */
std::array<float, 4> flip_box_left_right(const std::array<float, 4>& xyxy, int64_t image_width);

}  // namespace glip::data
