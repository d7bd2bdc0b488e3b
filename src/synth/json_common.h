// JSON pieces shared by the COCO-shaped writers (internal to src/synth).
#pragma once
#include <nlohmann/json.hpp>

#include <string>

#include "glip/synth/writers.h"

namespace glip::synth {

/** Shape categories, ids 1..N in `o.shapes` order (COCO, MDETR, Flickr MDETR files). */
nlohmann::json shape_categories(const WorldOptions& o);

/** One MDETR box annotation grounded to phrase `p` (bbox xywh, tokens_positive [[start, end]]). */
nlohmann::json mdetr_annotation(int64_t id, int64_t image_id, const SceneObject& obj, const Phrase& p);

/** One MDETR image entry of a caption: tokens_positive_eval lists the object phrases' spans in order. */
nlohmann::json mdetr_image(int64_t id, const ImageRecord& img, const std::string& file_name, const Caption& c,
                           const std::string& dataset_name, int64_t sentence_id, int64_t original_img_id);

}  // namespace glip::synth
