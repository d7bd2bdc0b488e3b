// Readers of detection formats (COCO instances, LVIS v1) and of image-caption WebDataset shards.
#include <filesystem>
#include <map>
#include <set>

#include "data/json_util.h"
#include "glip/core/error.h"
#include "glip/data/readers.h"
#include "glip/io/tar.h"

namespace glip::data {
namespace {

using nlohmann::json;

RecordSet read_instances(const std::string& json_path, const std::string& image_root, bool lvis) {
  json doc = detail::load_json(json_path);
  RecordSet set;
  set.name = std::filesystem::path(json_path).stem().string();
  set.is_detection = true;
  std::set<int64_t> category_ids;
  for (const auto& c : detail::require_array(doc, "categories", json_path)) {
    std::string where = json_path + ": category " + c.value("id", json(nullptr)).dump();
    Category cat{detail::require_int(c, "id", where), detail::require_string(c, "name", where)};
    GLIP_CHECK_INPUT(category_ids.insert(cat.id).second, where, ": duplicate category id");
    set.categories.push_back(cat);
  }
  std::map<int64_t, size_t> index;
  for (const auto& im : detail::require_array(doc, "images", json_path)) {
    std::string where = json_path + ": image " + im.value("id", json(nullptr)).dump();
    Record r;
    r.image_id = detail::require_int(im, "id", where);
    std::string file;
    if (im.contains("file_name") && im["file_name"].is_string()) {
      file = im["file_name"].get<std::string>();
    } else if (lvis && im.contains("coco_url") && im["coco_url"].is_string()) {
      // LVIS v1 images carry only coco_url: ".../train2017/000000391895.jpg" -> "train2017/000000391895.jpg".
      std::filesystem::path url(im["coco_url"].get<std::string>());
      file = (url.parent_path().filename() / url.filename()).string();
    } else {
      throw InputError(str_cat(where, ": missing key 'file_name'", lvis ? " (or 'coco_url')" : ""));
    }
    r.image.path = detail::join_root(image_root, file);
    r.width = im.value("width", int64_t{0});
    r.height = im.value("height", int64_t{0});
    r.origin = where;
    GLIP_CHECK_INPUT(index.emplace(r.image_id, set.records.size()).second, where, ": duplicate image id");
    set.records.push_back(std::move(r));
  }
  for (const auto& a : detail::require_array(doc, "annotations", json_path)) {
    std::string where = json_path + ": annotation " + a.value("id", json(nullptr)).dump();
    const int64_t image_id = detail::require_int(a, "image_id", where);
    auto it = index.find(image_id);
    GLIP_CHECK_INPUT(it != index.end(), where, ": image_id ", image_id, " is not in 'images'");
    BoxAnnotation b;
    b.category_id = detail::require_int(a, "category_id", where);
    GLIP_CHECK_INPUT(category_ids.count(b.category_id), where, ": category_id ", b.category_id,
                     " is not in 'categories'");
    b.xyxy = detail::xywh_to_xyxy(detail::require_box(a, "bbox", where));
    if (a.value("iscrowd", 0) != 0) continue;  // crowd regions are not training targets
    set.records[it->second].boxes.push_back(b);
  }
  return set;
}

}  // namespace

RecordSet read_coco_detection(const std::string& json_path, const std::string& image_root) {
  return read_instances(json_path, image_root, false);
}

RecordSet read_lvis(const std::string& json_path, const std::string& image_root) {
  return read_instances(json_path, image_root, true);
}

RecordSet read_webdataset(const std::vector<std::string>& tar_paths) {
  RecordSet set;
  set.name = "webdataset";
  int64_t next_id = 0;
  for (const auto& path : tar_paths) {
    // Group members by key (the name up to the first '.' of its base name), in archive order.
    std::map<std::string, size_t> by_key;
    std::vector<Record> records;
    for (const auto& m : io::list_tar(path)) {
      auto slash = m.name.find_last_of('/');
      auto dot = m.name.find('.', slash == std::string::npos ? 0 : slash + 1);
      if (dot == std::string::npos) continue;
      std::string key = m.name.substr(0, dot), ext = m.name.substr(dot + 1);
      auto [it, fresh] = by_key.emplace(key, records.size());
      if (fresh) {
        records.emplace_back();
        records.back().origin = path + "#" + key;
      }
      Record& r = records[it->second];
      if (ext == "jpg" || ext == "jpeg" || ext == "png") {
        r.image = {path, m.name};
      } else if (ext == "txt") {
        r.caption = io::read_tar_member(path, m);
        while (!r.caption.empty() && (r.caption.back() == '\n' || r.caption.back() == '\r')) r.caption.pop_back();
      } else if (ext == "json" && r.caption.empty()) {
        json j = detail::parse_json(io::read_tar_member(path, m), path + "#" + m.name);
        if (j.is_object() && j.contains("caption") && j["caption"].is_string()) r.caption = j["caption"];
      }
    }
    for (auto& r : records) {
      if (r.image.member.empty()) continue;  // a key without an image is no sample
      r.image_id = next_id++;
      set.records.push_back(std::move(r));
    }
  }
  return set;
}

}  // namespace glip::data
