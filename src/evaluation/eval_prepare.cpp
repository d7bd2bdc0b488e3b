#include "evaluation/eval_prepare.h"

#include <algorithm>

#include "glip/core/error.h"

namespace glip::eval {

using formats::DetectionResult;
using formats::GroundTruth;
using formats::GtAnnotation;

IdIndex::IdIndex(std::vector<int64_t> values) : ids(std::move(values)) {
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  pos.reserve(ids.size() * 2);
  for (size_t i = 0; i < ids.size(); ++i) pos.emplace(ids[i], static_cast<int32_t>(i));
}

IdIndex image_index(const GroundTruth& gt) {
  std::vector<int64_t> v;
  v.reserve(gt.images.size());
  for (const auto& img : gt.images) v.push_back(img.id);
  return IdIndex(std::move(v));
}

IdIndex category_index(const GroundTruth& gt) {
  std::vector<int64_t> v;
  v.reserve(gt.categories.size());
  for (const auto& c : gt.categories) v.push_back(c.id);
  return IdIndex(std::move(v));
}

std::vector<int32_t> select_annotations(const GroundTruth& gt, const IdIndex& images,
                                        const std::function<bool(const GtAnnotation&)>& keep) {
  const auto& anns = gt.annotations;
  std::unordered_map<int64_t, int32_t> last;
  last.reserve(anns.size() * 2);
  for (size_t i = 0; i < anns.size(); ++i) last[anns[i].id] = static_cast<int32_t>(i);
  std::vector<std::vector<int32_t>> per_image(images.ids.size());
  for (size_t i = 0; i < anns.size(); ++i) {
    const int32_t img = images.find(anns[i].image_id);
    if (img >= 0) per_image[img].push_back(static_cast<int32_t>(i));
  }
  std::vector<int32_t> out;
  out.reserve(anns.size());
  for (const auto& list : per_image) {
    for (int32_t i : list) {
      if (keep(anns[i])) out.push_back(last[anns[i].id]);
    }
  }
  return out;
}

std::vector<std::vector<int32_t>> bucket_by_image(const std::vector<DetectionResult>& results,
                                                  const std::vector<int32_t>& order, const IdIndex& images) {
  std::vector<std::vector<int32_t>> out(images.ids.size());
  for (int32_t i : order) {
    const int32_t img = images.find(results[i].image_id);
    if (img >= 0) out[img].push_back(i);
  }
  return out;
}

EvalGt to_eval_gt(int32_t img, const GtAnnotation& a) {
  EvalGt g;
  g.image = img;
  g.box = a.bbox;
  g.area = a.area;
  g.id = a.id;
  return g;
}

void check_annotation_fields(const GroundTruth& gt, int32_t index, bool need_iscrowd) {
  const GtAnnotation& a = gt.annotations[index];
  GLIP_CHECK_INPUT(a.has_area, "file '", gt.path, "': annotations[", index, "] (id ", a.id,
                   ") has no 'area' (the evaluator bins ground truth by its annotated area)");
  GLIP_CHECK_INPUT(!need_iscrowd || a.has_iscrowd, "file '", gt.path, "': annotations[", index, "] (id ", a.id,
                   ") has no 'iscrowd' (expected 0 or 1)");
}

}  // namespace glip::eval
