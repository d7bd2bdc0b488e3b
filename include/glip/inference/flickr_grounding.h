/**
 * Flickr30K Entities phrase grounding with a model: each sentence of MDETR's final_flickr_separateGT json is the
 * prompt, its phrases with boxes the labels; per phrase the boxes by descending score plus [0, 0, 0, 0] (official
 * flickr_post_process), written as MDETR's results file for the recall evaluator.
 */
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "glip/data/record.h"
#include "glip/inference/batch_detect.h"
#include "glip/inference/predictor.h"
#include "glip/text/prompt.h"

namespace glip::inference {

/** One (image, sentence) of a Flickr30K Entities split with its grounding query. */
struct FlickrQuery {
  std::string image_id_json;     ///< original_img_id as its JSON text (e.g. 1000000 or "1000000")
  std::string sentence_id_json;  ///< sentence_id as its JSON text
  data::ImageSource source;
  text::Prompt prompt;  ///< the caption; label p + 1 on each span of phrase p (tokens_positive_eval)
  int64_t num_phrases = 0;
};

/** Reads MDETR's final_flickr_separateGT_<split>.json (images with caption, tokens_positive_eval, ids). */
std::vector<FlickrQuery> read_flickr_queries(const std::string& mdetr_json, const std::string& image_root);

/**
 * Grounds every query and returns the results file's text in MDETR's format
 * [{"image_id", "sentence_id", "boxes": [[[x1, y1, x2, y2], ...] per phrase]}]. Batched; the sentences of an
 * image share one backbone pass.
 */
std::string ground_flickr(const Predictor& predictor, const std::vector<FlickrQuery>& queries,
                          const InferenceOptions& options);

}  // namespace glip::inference
