// MDETR mixed-format grounding JSON, ODVG jsonl and the web samples' json side files.
#include <nlohmann/json.hpp>

#include "glip/synth/writers.h"
#include "json_common.h"

namespace glip::synth {

using nlohmann::json;

json shape_categories(const WorldOptions& o) {
  json cats = json::array();
  for (size_t s = 0; s < o.shapes.size(); ++s)
    cats.push_back({{"id", static_cast<int>(s) + 1}, {"name", o.shapes[s]}, {"supercategory", "shape"}});
  return cats;
}

json mdetr_annotation(int64_t id, int64_t image_id, const SceneObject& obj, const Phrase& p) {
  return {{"id", id},
          {"image_id", image_id},
          {"category_id", obj.spec.shape + 1},
          {"bbox", json::array({obj.box.x1, obj.box.y1, obj.box.width(), obj.box.height()})},
          {"area", obj.area},
          {"iscrowd", 0},
          {"tokens_positive", json::array({json::array({p.start, p.end})})}};
}

json mdetr_image(int64_t id, const ImageRecord& img, const std::string& file_name, const Caption& c,
                 const std::string& dataset_name, int64_t sentence_id, int64_t original_img_id) {
  json eval = json::array();
  for (const auto& p : c.phrases)
    if (p.kind == PhraseKind::kObject) eval.push_back(json::array({json::array({p.start, p.end})}));
  return {{"id", id},
          {"file_name", file_name},
          {"width", img.width},
          {"height", img.height},
          {"caption", c.text},
          {"dataset_name", dataset_name},
          {"tokens_positive_eval", eval},
          {"sentence_id", sentence_id},
          {"original_img_id", original_img_id}};
}

std::string mdetr_json(const std::vector<GroundedRecord>& records, const WorldOptions& o,
                       const std::string& dataset_name) {
  json imgs = json::array(), anns = json::array();
  int64_t ann_id = 1;
  for (const auto& r : records) {
    for (const auto& p : r.caption.phrases)
      if (p.kind == PhraseKind::kObject)
        for (int k : r.entities[p.entity].objects)
          anns.push_back(mdetr_annotation(ann_id++, r.image.id, r.image.objects[k], p));
    imgs.push_back(mdetr_image(r.image.id, r.image, r.image.file_name, r.caption, dataset_name, 0, r.image.id));
  }
  json doc = {{"info", {{"description", "glip synthetic world, MDETR mixed format"}}},
              {"images", imgs},
              {"annotations", anns},
              {"categories", shape_categories(o)}};
  return doc.dump();
}

std::string odvg_jsonl(const std::vector<GroundedRecord>& records) {
  std::string out;
  for (const auto& r : records) {
    json regions = json::array();
    for (const auto& p : r.caption.phrases) {
      if (p.kind != PhraseKind::kObject) continue;
      for (int k : r.entities[p.entity].objects) {
        const Box& b = r.image.objects[k].box;
        regions.push_back({{"bbox", json::array({b.x1, b.y1, b.x2, b.y2})},
                           {"phrase", p.text},
                           {"tokens_positive", json::array({json::array({p.start, p.end})})}});
      }
    }
    json line = {{"filename", r.image.file_name},
                 {"height", r.image.height},
                 {"width", r.image.width},
                 {"grounding", {{"caption", r.caption.text}, {"regions", regions}}}};
    out += line.dump() + "\n";
  }
  return out;
}

std::string web_sample_json(const GroundedRecord& r, const std::string& key) {
  json j = {{"key", key}, {"caption", r.caption.text}, {"width", r.image.width}, {"height", r.image.height}};
  return j.dump();
}

}  // namespace glip::synth
