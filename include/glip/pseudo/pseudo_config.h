/**
 * The `pseudo.*` config section of glip_pseudolabel: which teacher boxes become pseudo labels (GLIP paper
 * section 3.3; the official student reads them back with DATASETS.CAPTION_CONF / CAPTION_MIN_BOX, see
 * data.caption_conf / data.caption_min_box) and how the shards are processed.
 */
#pragma once
#include <cstdint>
#include <string>

#include "glip/config/visitor.h"

namespace glip::pseudo {

struct PseudoConfig {
  double threshold = 0.5;             ///< a box is kept for a phrase when the teacher's score is at least this
  std::string nms = "per_phrase";     ///< none | per_phrase | across_phrases (a box claimed by several phrases)
  double nms_iou = 0.5;               ///< IoU above which the lower-scoring box is dropped
  int64_t max_boxes_per_phrase = 10;  ///< best boxes kept per phrase (0 = no limit)
  /// A box is kept for a phrase only when its score beats the best score any other phrase of the caption gets on
  /// the same box (IoU >= nms_iou) by at least this much; -1 (the default, the official behaviour) keeps all.
  double phrase_margin = -1.0;
  int64_t min_boxes = 1;              ///< images with fewer kept boxes are not written (counted)
  int64_t batch_size = 8;             ///< images per teacher forward pass
  double progress_interval_s = 10.0;  ///< seconds between progress lines

  void visit(config::Visitor& v);
};

/** Checks the combination of values (the visitor checks each alone); InputError naming the key. */
void validate(const PseudoConfig& cfg);

}  // namespace glip::pseudo
