#include "glip/pseudo/pseudo_config.h"

#include "glip/core/error.h"

namespace glip::pseudo {

void PseudoConfig::visit(config::Visitor& v) {
  v("threshold", threshold, "teacher score a box needs to become a pseudo label of its phrase", config::range(0, 1));
  v("nms", nms, "extra NMS over the kept boxes: none, per_phrase, or across_phrases (one phrase per box)",
    config::one_of({"none", "per_phrase", "across_phrases"}));
  v("nms_iou", nms_iou, "IoU above which the lower-scoring of two boxes is dropped", config::range(0, 1));
  v("max_boxes_per_phrase", max_boxes_per_phrase, "best boxes kept per phrase (0 = no limit)", config::at_least(0));
  v("phrase_margin", phrase_margin,
    "a box is kept for a phrase only when its score exceeds every other phrase's score on the same box (IoU >= "
    "nms_iou, over all the teacher's detections) by at least this; -1 keeps all (official)",
    config::range(-1, 1));
  v("min_boxes", min_boxes, "images with fewer kept boxes are not written (they are counted)", config::at_least(0));
  v("batch_size", batch_size, "images per teacher forward pass (a different caption per image)",
    config::range(1, 4096));
  v("progress_interval_s", progress_interval_s, "seconds between progress lines (images/s, ETA)", config::at_least(0));
}

void validate(const PseudoConfig& cfg) {
  GLIP_CHECK_INPUT(cfg.threshold >= 0 && cfg.threshold <= 1, "pseudo.threshold must be in [0, 1], got ", cfg.threshold);
  GLIP_CHECK_INPUT(cfg.nms == "none" || cfg.nms == "per_phrase" || cfg.nms == "across_phrases",
                   "pseudo.nms must be none, per_phrase or across_phrases, got '", cfg.nms, "'");
  GLIP_CHECK_INPUT(cfg.batch_size >= 1, "pseudo.batch_size must be at least 1, got ", cfg.batch_size);
}

}  // namespace glip::pseudo
