/**
 * Open-vocabulary detection on image files (glip_infer; callable from other tools and programs): the vocabulary's
 * prompts (text::plan_category_queries) run on the images in batches (detect_batch of batch_detect.h, backbone features
 * shared by the prompt chunks); the detections scoring at least the threshold are written to
 *   out_dir/detections.jsonl  one line per image: {"image", "width", "height", "detections": [...]}
 *   out_dir/vis/<stem>.jpg    the image with the boxes drawn (draw)
 *   out_dir/results.json      COCO results [{"image_id", "category_id", "bbox": [x, y, x2 - x1, y2 - y1], "score"}]
 *   out_dir/images.json       {"images": [{"id", "file_name", "width", "height"}], "categories": [{"id", "name"}]}
 * (the last two when coco_files). image_id is InferImage::id (see list_images: the COCO id or the list position).
 */
#pragma once
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "glip/inference/infer_inputs.h"
#include "glip/inference/predictor.h"
#include "glip/text/prompt.h"

namespace glip::inference {

struct InferRunOptions {
  std::vector<InferImage> images;
  std::map<int64_t, std::string> vocabulary;         ///< category id -> name the detections carry
  text::ClassPrompts class_prompts;                  ///< how classes are written in the prompt (empty: the names)
  double score_threshold = 0.5;                      ///< keep detections scoring at least this, in [0, 1]
  int64_t batch_size = 1;                            ///< images per batch (test.ims_per_batch)
  int64_t chunk_size = -1;                           ///< categories per prompt (test.chunk_size; -1: all)
  std::string out_dir;                               ///< created when missing
  bool draw = true;                                  ///< write out_dir/vis/
  bool coco_files = true;                            ///< write results.json and images.json
  bool show_progress = true;                         ///< progress line on stderr
  std::function<void(const std::string&)> on_image;  ///< each detections.jsonl line as it is produced
};

struct InferRunSummary {
  int64_t images = 0;
  int64_t detections = 0;  ///< kept detections (score >= threshold), all images
  double images_per_second = 0;
};

/** InputError when options has no image or vocabulary, or a threshold outside [0, 1] (checks before a model loads). */
void check_infer_options(const InferRunOptions& options);

/** Runs `predictor` on options.images and writes the outputs above; InputError on bad options or images. */
InferRunSummary infer_images(const Predictor& predictor, const InferRunOptions& options);

}  // namespace glip::inference
