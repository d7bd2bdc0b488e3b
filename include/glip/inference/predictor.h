/**
 * Inference on images with grounding prompts: the official engine/predictor_glip.py and engine/inference.py,
 * batched, with a different prompt per image. Images are resized as the official test transform (short side
 * `min_size`, long side at most `max_size`), normalised, padded to a multiple of 32; detections come back in
 * the coordinates of the original image with the prompt's labels.
 *
 * Feature reuse: encode() runs the visual backbone once; detect() then runs the language backbone, the fused
 * head and the post-processor for any number of prompts (e.g. the chunks of a 1,203-class LVIS vocabulary).
 */
#pragma once
#include <ATen/ATen.h>

#include <array>
#include <memory>
#include <string>
#include <vector>

#include "glip/modeling/glip_model.h"
#include "glip/modeling/model_config.h"
#include "glip/structures/batch.h"
#include "glip/text/prompt.h"
#include "glip/text/tokenizer.h"

namespace glip::inference {

struct PredictorOptions {
  int64_t min_size = 800;          ///< INPUT.MIN_SIZE_TEST
  int64_t max_size = 1333;         ///< INPUT.MAX_SIZE_TEST
  int64_t size_divisibility = 32;  ///< DATALOADER.SIZE_DIVISIBILITY
  int64_t max_query_len = 256;     ///< MODEL.LANGUAGE_BACKBONE.MAX_QUERY_LEN (prompts are truncated to it)
  double score_threshold = 0.0;    ///< detections below are dropped after post-processing (0: keep all)
};

/** A grounding query: the caption and the labelled spans to detect (text::Prompt). */
using Query = text::Prompt;

/** The visual backbone's output for a batch of images, reusable across queries. */
struct EncodedImages {
  std::vector<at::Tensor> levels;                      ///< P3..P7, [B, C, h, w] on the model's device
  std::vector<std::array<int64_t, 2>> image_sizes;     ///< (h, w) of each resized image in the padded batch
  std::vector<std::array<int64_t, 2>> original_sizes;  ///< (h, w) of each input image
  int64_t size() const { return static_cast<int64_t>(image_sizes.size()); }
};

/** Detections of one image for one query, in original-image pixels (xyxy), labels from Query::labels. */
using Detections = glip::Detections;

class Predictor {
 public:
  /** The model is switched to eval mode; tensors go to `device`. */
  Predictor(modeling::GlipModel model, std::shared_ptr<const text::Tokenizer> tokenizer, PredictorOptions options,
            at::Device device = at::kCPU);

  /** Resizes, normalises, pads and runs the visual backbone. images: BGR uint8 [H, W, 3] (decode_image). */
  EncodedImages encode(const std::vector<at::Tensor>& bgr_images) const;

  /**
   * Runs the text side, fusion, head and post-processor. `queries` holds one query per image, or a single
   * query used for every image. A query whose spans all fall beyond max_query_len gives InputError naming it.
   */
  std::vector<Detections> detect(const EncodedImages& images, const std::vector<Query>& queries) const;

  /** encode() then detect(). */
  std::vector<Detections> predict(const std::vector<at::Tensor>& bgr_images, const std::vector<Query>& queries) const;

  const PredictorOptions& options() const { return options_; }
  modeling::GlipModel model() const { return model_; }
  const text::Tokenizer& tokenizer() const { return *tokenizer_; }
  at::Device device() const { return device_; }

 private:
  modeling::GlipModel model_;
  std::shared_ptr<const text::Tokenizer> tokenizer_;
  PredictorOptions options_;
  at::Device device_;
};

}  // namespace glip::inference
