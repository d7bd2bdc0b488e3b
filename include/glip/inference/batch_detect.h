/**
 * Running a model over a list of images with category prompts, as evaluation and glip_infer do: the prompts of a
 * category vocabulary (chunked to fit the text encoder), batched detection that runs the visual backbone once per
 * batch for every prompt chunk (Predictor::encode then Predictor::detect per chunk), and the detections as COCO
 * results entries / a results file's text.
 */
#pragma once
#include <ATen/ATen.h>

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "glip/data/record.h"
#include "glip/formats/detection_json.h"
#include "glip/inference/predictor.h"
#include "glip/structures/batch.h"
#include "glip/text/prompt.h"

namespace glip::inference {

/** An image to run on: its id in the annotation file and where its bytes are. */
struct EvalImage {
  int64_t image_id = 0;
  data::ImageSource source;
};

struct InferenceOptions {
  int64_t batch_size = 1;      ///< images per encode()/detect() call (test.ims_per_batch)
  bool reuse_features = true;  ///< false: re-run the backbone for every prompt chunk (checks the reuse)
  std::function<void(int64_t)> on_images_done;  ///< called after each batch with its number of images
};

/**
 * Runs every query on every image of the batch; per image the detections of all queries concatenated in query
 * order (labels from the queries). With reuse_features the backbone runs once for the batch.
 */
std::vector<Detections> detect_batch(const Predictor& predictor, const std::vector<at::Tensor>& bgr_images,
                                     const std::vector<text::Prompt>& queries, bool reuse_features);

/** detect_batch over a list of images in batches of options.batch_size (images decoded as they are needed). */
std::vector<Detections> detect_images(const Predictor& predictor, const std::vector<EvalImage>& images,
                                      const std::vector<text::Prompt>& queries, const InferenceOptions& options);

/** Results entries (image order, then detection order); `plus_one`: w = x2 - x1 + 1 (COCO), else x2 - x1 (LVIS). */
std::vector<formats::DetectionResult> to_results(const std::vector<EvalImage>& images,
                                                 const std::vector<Detections>& dets, bool plus_one);

/** A results file's text: [{"image_id", "category_id", "bbox": [x, y, w, h], "score"}, ...]. */
std::string results_json(const std::vector<formats::DetectionResult>& results);

}  // namespace glip::inference
