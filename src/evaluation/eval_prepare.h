/** Helpers shared by the COCO and LVIS front ends: id indexes and the reference's annotation order. */
#pragma once
#include <cstdint>
#include <functional>
#include <unordered_map>
#include <vector>

#include "glip/evaluation/cocoeval_core.h"
#include "glip/formats/detection_json.h"

namespace glip::eval {

/** Sorted unique ids with a position lookup (params.imgIds / params.catIds). */
struct IdIndex {
  std::vector<int64_t> ids;
  std::unordered_map<int64_t, int32_t> pos;
  explicit IdIndex(std::vector<int64_t> values);
  int32_t find(int64_t id) const {
    auto it = pos.find(id);
    return it == pos.end() ? -1 : it->second;
  }
};

IdIndex image_index(const formats::GroundTruth& gt);
IdIndex category_index(const formats::GroundTruth& gt);

/**
 * load_anns(get_ann_ids(img_ids=sorted images, ...)): walks the images in sorted order and each image's
 * annotations in file order, keeps those for which `keep` holds, and resolves each by id to the LAST
 * annotation with that id (the reference indexes annotations by id). Returns annotation indices.
 */
std::vector<int32_t> select_annotations(const formats::GroundTruth& gt, const IdIndex& images,
                                        const std::function<bool(const formats::GtAnnotation&)>& keep);

/** Result indices per image index, in the order given by `order` (indices into results). */
std::vector<std::vector<int32_t>> bucket_by_image(const std::vector<formats::DetectionResult>& results,
                                                  const std::vector<int32_t>& order, const IdIndex& images);

/** The evaluator's view of annotation `a` on image index `img` (ignore / crowd left false). */
EvalGt to_eval_gt(int32_t img, const formats::GtAnnotation& a);

/** Checks an evaluated annotation has `area` (and `iscrowd` when `need_iscrowd`); InputError otherwise. */
void check_annotation_fields(const formats::GroundTruth& gt, int32_t index, bool need_iscrowd);

}  // namespace glip::eval
