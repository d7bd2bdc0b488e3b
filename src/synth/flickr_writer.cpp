// The Flickr30K Entities tree (test.txt, Sentences/ID.txt, Annotations/ID.xml) and its MDETR JSON.
#include <nlohmann/json.hpp>

#include <filesystem>

#include "files.h"
#include "glip/synth/writers.h"
#include "json_common.h"

namespace glip::synth {

using nlohmann::json;

namespace {
// Entity slots for the phrases without boxes.
constexpr int kSceneSlot = 90, kCameraSlot = 91;

const char* phrase_type(PhraseKind k) {
  return k == PhraseKind::kObject ? "other" : k == PhraseKind::kScene ? "scene" : "notvisual";
}

int slot_of(const Phrase& p) {
  return p.kind == PhraseKind::kObject ? p.entity : p.kind == PhraseKind::kScene ? kSceneSlot : kCameraSlot;
}

std::string image_key(const FlickrRecord& r) { return std::to_string(r.image.id); }
}  // namespace

int64_t flickr_entity_id(const FlickrRecord& r, int e) { return r.image.id * 100 + e + 1; }

std::string flickr_markup(const FlickrRecord& r, const Caption& c) {
  std::string out;
  int pos = 0;
  for (const auto& p : c.phrases) {
    out += c.text.substr(pos, p.start - pos);
    out += "[/EN#" + std::to_string(flickr_entity_id(r, slot_of(p))) + "/" + phrase_type(p.kind) + " " + p.text + "]";
    pos = p.end;
  }
  return out + c.text.substr(pos);
}

void write_flickr_tree(const std::string& dir, const std::vector<FlickrRecord>& records) {
  std::filesystem::create_directories(dir + "/Sentences");
  std::filesystem::create_directories(dir + "/Annotations");
  std::string ids;
  for (const auto& r : records) {
    const std::string key = image_key(r);
    ids += key + "\n";
    std::string sentences;
    bool scene = false, camera = false;
    for (const auto& c : r.sentences) {
      sentences += flickr_markup(r, c) + "\n";
      for (const auto& p : c.phrases) {
        scene |= p.kind == PhraseKind::kScene;
        camera |= p.kind == PhraseKind::kNotVisual;
      }
    }
    write_bytes(dir + "/Sentences/" + key + ".txt", sentences);
    std::string xml = "<annotation>\n<filename>" + key + ".jpg</filename>\n<size>\n<width>" +
                      std::to_string(r.image.width) + "</width>\n<height>" + std::to_string(r.image.height) +
                      "</height>\n<depth>3</depth>\n</size>\n";
    for (size_t e = 0; e < r.entities.size(); ++e)
      for (int k : r.entities[e].objects) {
        const Box& b = r.image.objects[k].box;
        xml += "<object>\n<name>" + std::to_string(flickr_entity_id(r, static_cast<int>(e))) +
               "</name>\n<bndbox>\n<xmin>" + std::to_string(b.x1) + "</xmin>\n<ymin>" + std::to_string(b.y1) +
               "</ymin>\n<xmax>" + std::to_string(b.x2) + "</xmax>\n<ymax>" + std::to_string(b.y2) +
               "</ymax>\n</bndbox>\n</object>\n";
      }
    if (scene)
      xml += "<object>\n<name>" + std::to_string(flickr_entity_id(r, kSceneSlot)) +
             "</name>\n<nobndbox>0</nobndbox>\n<scene>1</scene>\n</object>\n";
    if (camera)
      xml += "<object>\n<name>" + std::to_string(flickr_entity_id(r, kCameraSlot)) +
             "</name>\n<nobndbox>1</nobndbox>\n<scene>0</scene>\n</object>\n";
    xml += "</annotation>\n";
    write_bytes(dir + "/Annotations/" + key + ".xml", xml);
  }
  write_bytes(dir + "/test.txt", ids);
}

std::string flickr_mdetr_json(const std::vector<FlickrRecord>& records, const WorldOptions& o) {
  json imgs = json::array(), anns = json::array();
  int64_t img_id = 1, ann_id = 1;
  for (const auto& r : records) {
    for (size_t s = 0; s < r.sentences.size(); ++s, ++img_id) {
      const Caption& c = r.sentences[s];
      for (const auto& p : c.phrases) {
        if (p.kind != PhraseKind::kObject) continue;
        for (int k : r.entities[p.entity].objects) {
          json a = mdetr_annotation(ann_id++, img_id, r.image.objects[k], p);
          a["phrase_ids"] = std::to_string(flickr_entity_id(r, p.entity));
          anns.push_back(a);
        }
      }
      imgs.push_back(
          mdetr_image(img_id, r.image, image_key(r) + ".jpg", c, "flickr", static_cast<int64_t>(s), r.image.id));
    }
  }
  json doc = {{"info", {{"description", "glip synthetic world, MDETR flickr separateGT format"}}},
              {"images", imgs},
              {"annotations", anns},
              {"categories", shape_categories(o)}};
  return doc.dump();
}

}  // namespace glip::synth
