// Readers of detection formats (COCO instances, LVIS v1) and of image-caption WebDataset shards.
#include <cmath>
#include <filesystem>
#include <map>
#include <set>

#include "data/json_util.h"
#include "glip/core/error.h"
#include "glip/core/logging.h"
#include "glip/core/strings.h"
#include "glip/data/boxes.h"
#include "glip/data/readers.h"
#include "glip/formats/detection_json.h"
#include "glip/io/image.h"
#include "glip/io/tar.h"

namespace glip::data {
namespace {
using nlohmann::json;
}  // namespace

// COCO / LVIS instances files have one parser in glip: the evaluation's (streaming, with pycocotools' and
// lvis-api's reading rules); training adds its own checks on top.
RecordSet read_instances(const formats::GroundTruth& gt, const std::string& image_root, bool lvis) {
  const std::string& json_path = gt.path;
  RecordSet set;
  set.name = std::filesystem::path(json_path).stem().string();
  set.is_detection = true;
  std::set<int64_t> category_ids;
  for (const auto& c : gt.categories) {
    const std::string where = str_cat(json_path, ": category ", c.id);
    GLIP_CHECK_INPUT(!c.name.empty(), where, ": key 'name' must be a non-empty string");
    GLIP_CHECK_INPUT(category_ids.insert(c.id).second, where, ": duplicate category id");
    set.categories.push_back(Category{c.id, c.name});
  }
  std::map<int64_t, size_t> index;
  for (const auto& im : gt.images) {
    const std::string where = str_cat(json_path, ": image ", im.id);
    std::string file = im.file_name;
    if (file.empty() && lvis && !im.coco_url.empty()) {
      // LVIS v1 images carry only coco_url: ".../train2017/000000391895.jpg" -> "train2017/000000391895.jpg".
      std::filesystem::path url(im.coco_url);
      file = (url.parent_path().filename() / url.filename()).string();
    }
    GLIP_CHECK_INPUT(!file.empty(), where, ": missing key 'file_name'", lvis ? " (or 'coco_url')" : "");
    Record r;
    r.image_id = im.id;
    r.image.path = detail::join_root(image_root, file);
    r.width = im.width;
    r.height = im.height;
    r.origin = where;
    GLIP_CHECK_INPUT(index.emplace(r.image_id, set.records.size()).second, where, ": duplicate image id");
    set.records.push_back(std::move(r));
  }
  for (const auto& a : gt.annotations) {
    const std::string where = str_cat(json_path, ": annotation ", a.id);
    auto it = index.find(a.image_id);
    GLIP_CHECK_INPUT(it != index.end(), where, ": image_id ", a.image_id, " is not in 'images'");
    GLIP_CHECK_INPUT(category_ids.count(a.category_id), where, ": category_id ", a.category_id,
                     " is not in 'categories'");
    const std::array<float, 4> xywh{static_cast<float>(a.bbox.x), static_cast<float>(a.bbox.y),
                                    static_cast<float>(a.bbox.w), static_cast<float>(a.bbox.h)};
    for (float v : xywh)
      GLIP_CHECK_INPUT(std::isfinite(v), where, ": 'bbox' must be 4 finite numbers, got [", a.bbox.x, ", ", a.bbox.y,
                       ", ", a.bbox.w, ", ", a.bbox.h, "]");
    if (a.iscrowd != 0) continue;  // crowd regions are not training targets
    BoxAnnotation b;
    b.category_id = a.category_id;
    b.xyxy = coco_xywh_to_xyxy(xywh);  // the official x2 = x + w - 1 (glip/data/boxes.h)
    set.records[it->second].boxes.push_back(b);
  }
  return set;
}

RecordSet read_coco_detection(const std::string& json_path, const std::string& image_root) {
  return read_instances(formats::load_ground_truth(json_path), image_root, false);
}

RecordSet read_lvis(const std::string& json_path, const std::string& image_root) {
  return read_instances(formats::load_ground_truth(json_path), image_root, true);
}

bool webdataset_key(const std::string& member, std::string& key, std::string& ext) {
  const auto slash = member.find_last_of('/');
  const auto dot = member.find('.', slash == std::string::npos ? 0 : slash + 1);
  if (dot == std::string::npos) return false;
  key = member.substr(0, dot);
  ext = ascii_lower(member.substr(dot + 1));
  return true;
}

RecordSet read_webdataset(const std::vector<std::string>& tar_paths) {
  RecordSet set;
  set.name = "webdataset";
  int64_t next_id = 0;
  for (const auto& path : tar_paths) {
    // Group members by key, in archive order. The shard is listed once; images are read later by offset.
    std::map<std::string, size_t> by_key;
    std::vector<Record> records;
    for (const auto& m : io::list_tar(path)) {
      std::string key, ext;
      if (!webdataset_key(m.name, key, ext)) continue;
      auto [it, fresh] = by_key.emplace(key, records.size());
      if (fresh) {
        records.emplace_back();
        records.back().origin = path + "#" + key;
      }
      Record& r = records[it->second];
      if (io::is_image_extension(ext)) {
        r.image = {path, m.name, m.offset, m.size};
      } else if (ext == "txt") {
        r.caption = io::read_tar_member(path, m);
        while (!r.caption.empty() && (r.caption.back() == '\n' || r.caption.back() == '\r')) r.caption.pop_back();
      } else if (ext == "json" && r.caption.empty()) {
        json j = detail::parse_json(io::read_tar_member(path, m), path + "#" + m.name);
        if (j.is_object() && j.contains("caption") && j["caption"].is_string()) r.caption = j["caption"];
      }
    }
    int64_t without_image = 0;
    std::string example;
    for (auto& r : records) {
      if (r.image.member.empty()) {  // a key without an image is no sample: said, not silently dropped
        if (without_image++ == 0) example = r.origin;
        continue;
      }
      r.image_id = next_id++;
      set.records.push_back(std::move(r));
    }
    if (without_image > 0 && set.keys_without_image == 0) set.key_without_image_example = example;
    set.keys_without_image += without_image;
    if (without_image > 0)
      GLIP_LOG_WARN("[data] {}: {} key(s) without an image (.jpg, .jpeg, .png) skipped, e.g. '{}'", path, without_image,
                    example);
  }
  return set;
}

}  // namespace glip::data
