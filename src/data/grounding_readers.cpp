// Readers of grounding formats with captions: MDETR JSON, ODVG jsonl, pseudo-label shards.
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <unordered_map>

#include "data/json_util.h"
#include "glip/core/error.h"
#include "glip/core/json.h"
#include "glip/core/logging.h"
#include "glip/data/boxes.h"
#include "glip/data/readers.h"
#include "glip/io/tar.h"
#include "glip/text/unicode.h"

namespace glip::data {
namespace {

using nlohmann::json;

std::vector<Span> read_spans(const json& v, const std::string& where, const char* key = "tokens_positive") {
  std::vector<Span> spans;
  GLIP_CHECK_INPUT(v.is_array(), where, ": '", key, "' must be a list of [start, end] pairs");
  for (const auto& s : v) {
    GLIP_CHECK_INPUT(s.is_array() && s.size() == 2 && s[0].is_number_integer() && s[1].is_number_integer(), where,
                     ": '", key, "' entries must be [start, end] integer pairs, got ", json_dump(s));
    Span sp{s[0].get<int64_t>(), s[1].get<int64_t>()};
    GLIP_CHECK_INPUT(0 <= sp[0] && sp[0] < sp[1], where, ": '", key, "' has an empty or negative span ", json_dump(s));
    spans.push_back(sp);
  }
  return spans;
}

// ODVG boxes are [x, y, x + w, y + h] of a COCO box (GroundingDINO's coco2odvg.py, mmdetection): back to
// [x, y, w, h], then the official conversion, so an object reads the same from ODVG as from COCO or MDETR JSON.
std::array<float, 4> odvg_box(const std::array<float, 4>& b) {
  return coco_xywh_to_xyxy({b[0], b[1], b[2] - b[0], b[3] - b[1]});
}

void check_spans_in_caption(const std::vector<Span>& spans, int64_t caption_len, const std::string& where) {
  for (const auto& s : spans)
    GLIP_CHECK_INPUT(s[1] <= caption_len, where, ": span [", s[0], ", ", s[1], "] lies outside the caption (",
                     caption_len, " characters)");
}

}  // namespace

RecordSet read_mdetr(const std::string& json_path, const std::string& image_root) {
  RecordSet set;
  set.name = std::filesystem::path(json_path).stem().string();
  std::map<int64_t, size_t> index;
  struct Box {
    int64_t image_id;
    BoxAnnotation box;
    std::string where;
  };
  std::vector<Box> boxes;  // attached once every image is known (the file may list annotations first)
  // Streamed: one image or annotation object at a time, not the file's tree (GoldG files are GBs).
  const json doc = detail::load_json_streaming(json_path, [&](const std::string& key, const json& e) {
    if (key == "images") {
      Record r;
      std::string where = json_path + ": image " + detail::id_text(e, "id");
      r.image_id = detail::require_int(e, "id", where);
      r.image.path = detail::join_root(image_root, detail::require_string(e, "file_name", where));
      r.width = detail::optional_int(e, "width", 0, where);
      r.height = detail::optional_int(e, "height", 0, where);
      r.caption = detail::require_string(e, "caption", where);
      r.origin = where;
      GLIP_CHECK_INPUT(index.emplace(r.image_id, set.records.size()).second, where, ": duplicate image id");
      set.records.push_back(std::move(r));
    } else if (key == "annotations") {
      std::string where = json_path + ": annotation " + detail::id_text(e, "id");
      const int64_t image_id = detail::require_int(e, "image_id", where);
      if (detail::optional_int(e, "iscrowd", 0, where) != 0) return;
      BoxAnnotation b;
      b.xyxy = coco_xywh_to_xyxy(detail::require_box(e, "bbox", where));  // x2 = x + w - 1 (glip/data/boxes.h)
      b.category_id = detail::optional_int(e, "category_id", 0, where);
      b.spans = read_spans(e.contains("tokens_positive") ? e["tokens_positive"] : json::array(), where);
      boxes.push_back({image_id, std::move(b), std::move(where)});
    }
  });
  detail::require_array(doc, "images", json_path);
  detail::require_array(doc, "annotations", json_path);
  for (auto& b : boxes) {
    auto it = index.find(b.image_id);
    GLIP_CHECK_INPUT(it != index.end(), b.where, ": image_id ", b.image_id, " is not in 'images'");
    Record& r = set.records[it->second];
    check_spans_in_caption(b.box.spans, text::utf8_length(r.caption), b.where);
    r.boxes.push_back(std::move(b.box));
  }
  return set;
}

RecordSet read_odvg(const std::string& jsonl_path, const std::string& image_root) {
  std::ifstream in(jsonl_path);
  GLIP_CHECK_INPUT(in.good(), "cannot open ODVG file '", jsonl_path, "'");
  RecordSet set;
  set.name = std::filesystem::path(jsonl_path).stem().string();
  std::map<int64_t, std::string> categories;
  std::string line;
  int64_t line_no = 0;
  bool any_grounding = false, any_detection = false;
  while (std::getline(in, line)) {
    ++line_no;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    std::string where = jsonl_path + ":" + std::to_string(line_no);
    json j = detail::parse_json(line, where);
    Record r;
    r.image_id = line_no;
    r.image.path = detail::join_root(image_root, detail::require_string(j, "filename", where));
    r.width = detail::optional_int(j, "width", 0, where);
    r.height = detail::optional_int(j, "height", 0, where);
    r.origin = where;
    if (j.contains("grounding")) {
      any_grounding = true;
      const auto& g = detail::require_object(j, "grounding", where);
      r.caption = detail::require_string(g, "caption", where);
      for (const auto& reg : detail::require_array(g, "regions", where)) {
        BoxAnnotation b;
        b.xyxy = odvg_box(detail::require_box(reg, "bbox", where));
        b.spans = read_spans(reg.contains("tokens_positive") ? reg["tokens_positive"] : json::array(), where);
        check_spans_in_caption(b.spans, text::utf8_length(r.caption), where);
        r.boxes.push_back(std::move(b));
      }
    } else if (j.contains("detection")) {
      any_detection = true;
      for (const auto& inst :
           detail::require_array(detail::require_object(j, "detection", where), "instances", where)) {
        BoxAnnotation b;
        b.xyxy = odvg_box(detail::require_box(inst, "bbox", where));
        b.category_id = detail::require_int(inst, "label", where);
        if (inst.contains("category") && inst["category"].is_string())
          categories[b.category_id] = inst["category"].get<std::string>();
        r.boxes.push_back(std::move(b));
      }
    } else {
      throw InputError(str_cat(where, ": expected a 'grounding' or 'detection' object"));
    }
    set.records.push_back(std::move(r));
  }
  GLIP_CHECK_INPUT(!(any_grounding && any_detection), jsonl_path,
                   ": mixes 'grounding' and 'detection' lines; use one kind per file");
  set.is_detection = any_detection;
  for (const auto& [id, name] : categories) set.categories.push_back({id, name});
  return set;
}

namespace {

/**
 * Fills the offset and size of every tar-member image, listing each shard once (decoding then reads the member
 * in place instead of listing the shard per sample). A shard that cannot be listed, or a member it lacks, is
 * left unlocated: decoding that sample fails later with the error naming it, as a missing image file does.
 */
void locate_tar_members(std::vector<Record>& records) {
  std::map<std::string, std::vector<Record*>> by_tar;
  for (auto& r : records)
    if (!r.image.member.empty()) by_tar[r.image.path].push_back(&r);
  for (auto& [tar, recs] : by_tar) {
    std::unordered_map<std::string, io::TarMember> members;
    try {
      for (auto& m : io::list_tar(tar)) members.emplace(m.name, m);
    } catch (const InputError& e) {
      GLIP_LOG_WARN("[data] {} record(s) name images in a shard that cannot be read: {}", recs.size(), e.what());
      continue;
    }
    for (Record* r : recs) {
      auto it = members.find(r->image.member);
      if (it == members.end()) continue;
      r->image.offset = it->second.offset;
      r->image.size = it->second.size;
    }
  }
}

}  // namespace

RecordSet read_pseudo_shards(const std::vector<std::string>& jsonl_paths, const PseudoFilter& filter) {
  RecordSet set;
  set.name = "pseudo";
  for (const auto& path : jsonl_paths) {
    std::ifstream in(path);
    GLIP_CHECK_INPUT(in.good(), "cannot open pseudo-label shard '", path, "'");
    std::string line;
    int64_t line_no = 0;
    const auto dir = std::filesystem::path(path).parent_path();
    while (std::getline(in, line)) {
      ++line_no;
      if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
      std::string where = path + ":" + std::to_string(line_no);
      json j = detail::parse_json(line, where);
      Record r;
      r.image_id = detail::require_int(j, "image_id", where);
      GLIP_CHECK_INPUT(j.is_object() && j.contains("image") && j["image"].is_object(), where,
                       ": key 'image' must be an object {\"tar\", \"member\"} or {\"path\"}");
      const auto& img = j["image"];
      if (img.contains("tar")) {
        r.image.path = detail::join_root(dir.string(), detail::require_string(img, "tar", where));
        r.image.member = detail::require_string(img, "member", where);
      } else {
        r.image.path = detail::join_root(dir.string(), detail::require_string(img, "path", where));
      }
      r.width = detail::optional_int(j, "width", 0, where);
      r.height = detail::optional_int(j, "height", 0, where);
      r.caption = detail::require_string(j, "caption", where);
      r.origin = where;
      const int64_t len = text::utf8_length(r.caption);
      for (const auto& p : detail::require_array(j, "phrases", where)) {
        std::vector<Span> spans = read_spans(json::array({detail::require_span(p, "span", where)}), where, "span");
        check_spans_in_caption(spans, len, where);
        const auto& boxes = detail::require_array(p, "boxes", where);
        const auto& scores = detail::require_array(p, "scores", where);
        GLIP_CHECK_INPUT(boxes.size() == scores.size(), where, ": a phrase has ", boxes.size(), " boxes but ",
                         scores.size(), " scores");
        bool kept = false;
        for (size_t k = 0; k < boxes.size(); ++k) {
          BoxAnnotation b;
          b.xyxy = detail::box_from_json(boxes[k], str_cat(where, ": 'boxes' entry ", k));
          b.score = static_cast<float>(detail::number_at(scores[k], str_cat("'scores' entry ", k), where));
          b.spans = spans;
          if (b.score < filter.min_score) continue;
          r.boxes.push_back(std::move(b));
          kept = true;
        }
        if (!kept && filter.ignore_unboxed) r.ignored_spans.insert(r.ignored_spans.end(), spans.begin(), spans.end());
      }
      if (static_cast<int>(r.boxes.size()) >= filter.min_boxes) set.records.push_back(std::move(r));
    }
  }
  locate_tar_members(set.records);
  return set;
}

}  // namespace glip::data
