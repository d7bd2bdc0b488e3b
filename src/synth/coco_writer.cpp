// COCO instances and LVIS v1 JSON.
#include <nlohmann/json.hpp>

#include <algorithm>

#include "glip/synth/writers.h"
#include "json_common.h"

namespace glip::synth {

using nlohmann::json;

namespace {
json xywh(const Box& b) { return json::array({b.x1, b.y1, b.width(), b.height()}); }
}  // namespace

std::string coco_detection_json(const std::vector<ImageRecord>& images, const WorldOptions& o) {
  json imgs = json::array(), anns = json::array();
  int64_t ann_id = 1;
  for (const auto& r : images) {
    imgs.push_back({{"id", r.id}, {"file_name", r.file_name}, {"width", r.width}, {"height", r.height}});
    for (const auto& obj : r.objects)
      anns.push_back({{"id", ann_id++},
                      {"image_id", r.id},
                      {"category_id", obj.spec.shape + 1},
                      {"bbox", xywh(obj.box)},
                      {"area", obj.area},
                      {"iscrowd", 0}});
  }
  json doc = {{"info", {{"description", "glip synthetic world"}, {"version", "1.0"}}},
              {"licenses", json::array()},
              {"images", imgs},
              {"annotations", anns},
              {"categories", shape_categories(o)}};
  return doc.dump();
}

int lvis_category_id(const ObjectSpec& s, const WorldOptions& o) {
  return s.colour * static_cast<int>(o.shapes.size()) + s.shape + 1;
}

std::string lvis_frequency(int64_t image_count, const WorldOptions& o) {
  return image_count <= o.lvis_rare_max ? "r" : image_count <= o.lvis_common_max ? "c" : "f";
}

LvisImageLabels lvis_labels(const ImageRecord& r, const WorldOptions& o, Rng& rng) {
  LvisImageLabels out;
  const int ncat = static_cast<int>(o.shapes.size() * o.colours.size());
  std::vector<int> count(ncat + 1, 0);
  for (const auto& obj : r.objects) ++count[lvis_category_id(obj.spec, o)];
  // Not exhaustive: one category with several instances keeps one of them unannotated.
  if (rng.chance(o.lvis_not_exhaustive_prob)) {
    std::vector<int> multi;
    for (int c = 1; c <= ncat; ++c)
      if (count[c] >= 2) multi.push_back(c);
    if (!multi.empty()) {
      const int cat = multi[rng.below(static_cast<int>(multi.size()))];
      out.not_exhaustive_category_ids.push_back(cat);
      for (int i = static_cast<int>(r.objects.size()) - 1; i >= 0; --i)
        if (lvis_category_id(r.objects[i].spec, o) == cat) {
          out.dropped.push_back(i);
          break;
        }
    }
  }
  // Negative: categories verified absent.
  std::vector<int> absent;
  for (int c = 1; c <= ncat; ++c)
    if (count[c] == 0) absent.push_back(c);
  rng.shuffle(absent);
  absent.resize(std::min<size_t>(absent.size(), static_cast<size_t>(o.lvis_neg_per_image)));
  std::sort(absent.begin(), absent.end());
  out.neg_category_ids = absent;
  return out;
}

std::string lvis_json(const std::vector<ImageRecord>& images, const std::vector<LvisImageLabels>& labels,
                      const CategoryCounts& train, const WorldOptions& o) {
  json imgs = json::array(), anns = json::array(), cats = json::array();
  int64_t ann_id = 1;
  for (size_t i = 0; i < images.size(); ++i) {
    const ImageRecord& r = images[i];
    const LvisImageLabels& l = labels[i];
    imgs.push_back({{"id", r.id},
                    {"file_name", r.file_name},
                    {"width", r.width},
                    {"height", r.height},
                    {"coco_url", "synth://lvis/images/" + r.file_name},
                    {"flickr_url", ""},
                    {"license", 0},
                    {"date_captured", ""},
                    {"neg_category_ids", l.neg_category_ids},
                    {"not_exhaustive_category_ids", l.not_exhaustive_category_ids}});
    for (size_t k = 0; k < r.objects.size(); ++k) {
      if (std::find(l.dropped.begin(), l.dropped.end(), static_cast<int>(k)) != l.dropped.end()) continue;
      const Box& b = r.objects[k].box;
      anns.push_back({{"id", ann_id++},
                      {"image_id", r.id},
                      {"category_id", lvis_category_id(r.objects[k].spec, o)},
                      {"bbox", json::array({b.x1, b.y1, b.width(), b.height()})},
                      {"area", r.objects[k].area},
                      {"segmentation", json::array({json::array({b.x1, b.y1, b.x2, b.y1, b.x2, b.y2, b.x1, b.y2})})}});
    }
  }
  for (size_t c = 0; c < o.colours.size(); ++c)
    for (size_t s = 0; s < o.shapes.size(); ++s) {
      const size_t id = c * o.shapes.size() + s + 1;
      const std::string name = o.colours[c] + "_" + o.shapes[s];
      cats.push_back({{"id", id},
                      {"name", name},
                      {"synset", name + ".n.01"},
                      {"synonyms", json::array({name, o.colours[c] + " " + o.shapes[s]})},
                      {"def", "a " + o.colours[c] + " " + o.shapes[s] + "-shaped figure"},
                      {"frequency", lvis_frequency(train.images[id - 1], o)},
                      {"image_count", train.images[id - 1]},
                      {"instance_count", train.instances[id - 1]}});
    }
  json doc = {{"info", {{"description", "glip synthetic world, LVIS v1 format"}, {"version", "1.0"}}},
              {"licenses", json::array({{{"id", 0}, {"name", "MIT"}, {"url", ""}}})},
              {"images", imgs},
              {"annotations", anns},
              {"categories", cats}};
  return doc.dump();
}

}  // namespace glip::synth
