/**
 * Inference post-processing of GLIP's ATSS head (`ATSSPostProcessor` with dot-product logits):
 * per level, phrase probability p = MEAN (or MAX) of the token sigmoids over each label's tokens; candidates
 * with p > pre_nms_thresh (checked before centerness); the top pre_nms_top_n by p * sigmoid(centerness);
 * score sqrt(p * sigmoid(centerness)); boxes decoded and clipped to (w - 1, h - 1) of each image; then over all
 * levels class-wise NMS (IoU > nms_thresh, +1 convention) and the top detections_per_image (kthvalue: ties at
 * the cut are all kept, as upstream).
 *
 * Each image may have its own caption, hence its own LabelToTokens; labels are 1-based as in that map.
 */
#pragma once
#include <ATen/ATen.h>

#include <array>
#include <vector>

#include "glip/modeling/head/box_coder.h"
#include "glip/modeling/head/head_outputs.h"
#include "glip/structures/batch.h"

namespace glip::modeling {

enum class ScoreAggregation { kMean, kMax };

struct AtssPostProcessorOptions {
  double pre_nms_thresh = 0.05;        ///< MODEL.ATSS.INFERENCE_TH
  int64_t pre_nms_top_n = 1000;        ///< MODEL.ATSS.PRE_NMS_TOP_N, per level
  double nms_thresh = 0.6;             ///< MODEL.ATSS.NMS_TH
  int64_t detections_per_image = 100;  ///< MODEL.ATSS.DETECTIONS_PER_IMG (<= 0: no cut)
  double min_size = 0;                 ///< boxes narrower than this (+1 convention) are dropped
  ScoreAggregation score_agg = ScoreAggregation::kMean;
  BoxCoderOptions box_coder;
};

/** Candidates of one image on one level, in row-major (location, label) order. */
struct LevelCandidates {
  at::Tensor ranking;     ///< [M] p * sigmoid(centerness): the key of the per-level top-n
  Detections detections;  ///< boxes decoded and clipped, scores sqrt(ranking), labels from the map
};

class AtssPostProcessor {
 public:
  explicit AtssPostProcessor(AtssPostProcessorOptions options = {});

  /**
   * outputs: the head's predictions for B images (box_cls is not needed); anchors: per level [A_l, 4];
   * image_sizes_hw: (h, w) of each image inside the padded batch; label_to_tokens: one map per image, or a
   * single map shared by the batch. Returns B Detections in the frame of the (resized) input images.
   */
  std::vector<Detections> operator()(const HeadOutputs& outputs, const std::vector<at::Tensor>& anchors,
                                     const std::vector<std::array<int64_t, 2>>& image_sizes_hw,
                                     const std::vector<LabelToTokens>& label_to_tokens) const;

  /** Step 1: every candidate (p > pre_nms_thresh) of image i on one level. */
  LevelCandidates candidates(const HeadOutputs& outputs, const at::Tensor& level_anchors, size_t level, int64_t image,
                             std::array<int64_t, 2> image_hw, const LabelToTokens& label_to_tokens) const;

  /** Step 2: the best pre_nms_top_n candidates of a level (by ranking, decreasing), less boxes under min_size. */
  Detections top_candidates(const LevelCandidates& candidates) const;

  /** Step 3: class-wise NMS of one image's candidates of all levels, then the detections_per_image cut. */
  Detections select(const Detections& candidates) const;

  const AtssPostProcessorOptions& options() const { return options_; }

 private:
  AtssPostProcessorOptions options_;
  BoxCoder box_coder_;
};

/**
 * Phrase probabilities [N, K] from token probabilities [N, T]: column k aggregates (mean or max) the tokens of
 * the k-th label of `label_to_tokens` (in increasing label order). Token indices must lie in [0, T).
 */
at::Tensor phrase_scores(const at::Tensor& token_probs, const LabelToTokens& label_to_tokens, ScoreAggregation agg);

/** Detections rescaled from the resized image (h, w) to the original image (h, w) (BoxList.resize). */
Detections rescale_detections(const Detections& detections, std::array<int64_t, 2> resized_hw,
                              std::array<int64_t, 2> original_hw);

}  // namespace glip::modeling
