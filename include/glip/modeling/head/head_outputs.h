/**
 * The per-level outputs of GLIP's VLDyHead that the ATSS loss and post-processor consume. Levels are P3..P7
 * in order; A = anchors per location (1 in every released config), T = text length.
 */
#pragma once
#include <ATen/ATen.h>

#include <vector>

namespace glip::modeling {

struct HeadOutputs {
  std::vector<at::Tensor> box_cls;             ///< [B, A*C, H, W] logits of the (dead) cls_logits; may be empty
  std::vector<at::Tensor> box_regression;      ///< [B, A*4, H, W] after the per-level Scale
  std::vector<at::Tensor> centerness;          ///< [B, A, H, W]
  std::vector<at::Tensor> dot_product_logits;  ///< [B, H*W*A, T] region-word alignment logits
};

/**
 * [B, A*C, H, W] -> [B, H*W*A, C] (maskrcnn_benchmark `permute_and_flatten`): location-major (y, x), then
 * anchor, matching the anchor order of AnchorGenerator.
 */
at::Tensor permute_and_flatten(const at::Tensor& layer, int64_t num_anchors_per_location, int64_t channels);

/** Number of levels after checking that box_regression, centerness and dot_product_logits agree. */
size_t check_head_outputs(const HeadOutputs& outputs, const std::vector<at::Tensor>& anchors);

}  // namespace glip::modeling
