#include "glip/formats/detection_json.h"

#include <algorithm>
#include <cmath>
#include <unordered_set>

#include "formats/json_reader.h"
#include "glip/core/error.h"
#include "glip/core/fs.h"

namespace glip::formats {
namespace {

// Reads [x, y, w, h]; `owner` / `index` name the entry in the error ("results", 3).
BoxXYWH read_box(JsonReader& r, const char* owner, size_t index) {
  double v[4];
  int n = 0;
  r.begin_array();
  for (bool first = true; r.next_element(first);) {
    if (n == 4) r.fail_value(str_cat(owner, "[", index, "]: 'bbox' must have 4 numbers [x, y, w, h], found more"));
    v[n++] = r.read_number();
  }
  if (n != 4) r.fail_value(str_cat(owner, "[", index, "]: 'bbox' must have 4 numbers [x, y, w, h], found ", n));
  return {v[0], v[1], v[2], v[3]};
}

int64_t read_id(JsonReader& r, const char* owner, size_t index, const char* key) {
  int64_t v = 0;
  if (!r.try_read_int(v)) r.fail_value(str_cat(owner, "[", index, "].", key, ": expected an integer"));
  return v;
}

// Python truthiness of a JSON scalar (used for `ignore`).
bool read_truthy(JsonReader& r) {
  switch (r.peek()) {
    case JsonReader::Type::kBool: return r.read_bool();
    case JsonReader::Type::kNull: r.read_null(); return false;
    case JsonReader::Type::kNumber: {
      double v = r.read_number();
      return v != 0;
    }
    case JsonReader::Type::kString: return !r.read_string().empty();
    default: {
      bool empty = true;
      bool is_array = r.peek() == JsonReader::Type::kArray;
      if (is_array) {
        r.begin_array();
        for (bool first = true; r.next_element(first);) {
          empty = false;
          r.skip();
        }
      } else {
        r.begin_object();
        for (bool first = true; r.next_key(first);) {
          empty = false;
          r.skip();
        }
      }
      return !empty;
    }
  }
}

std::vector<int64_t> read_id_list(JsonReader& r, const std::string& what) {
  std::vector<int64_t> out;
  r.begin_array();
  for (bool first = true; r.next_element(first);) out.push_back(r.read_int(what));
  return out;
}

void read_images(JsonReader& r, GroundTruth& gt) {
  r.begin_array();
  for (bool first = true; r.next_element(first);) {
    GtImage img;
    bool has_id = false, has_neg = false, has_nel = false;
    const std::string what = str_cat("images[", gt.images.size(), "]");
    r.begin_object();
    for (bool f = true; r.next_key(f);) {
      const std::string& k = r.key();
      if (k == "id") {
        img.id = r.read_int(what + ".id");
        has_id = true;
      } else if (k == "file_name" && r.peek() == JsonReader::Type::kString) {
        img.file_name = r.read_string();
      } else if (k == "coco_url" && r.peek() == JsonReader::Type::kString) {
        img.coco_url = r.read_string();
      } else if ((k == "width" || k == "height") && r.peek() == JsonReader::Type::kNumber) {
        // Any number, as pycocotools; but Infinity or 1e300 pixels has no integer value (the cast was undefined).
        const double v = r.read_number();
        if (!(std::isfinite(v) && std::fabs(v) < 9.007199254740992e15))
          r.fail_value(str_cat(what, ".", k, ": expected a finite number of pixels, got ", v));
        (k == "width" ? img.width : img.height) = static_cast<int64_t>(v);
      } else if (k == "neg_category_ids") {
        img.neg_category_ids = read_id_list(r, what + ".neg_category_ids");
        has_neg = true;
      } else if (k == "not_exhaustive_category_ids") {
        img.not_exhaustive_category_ids = read_id_list(r, what + ".not_exhaustive_category_ids");
        has_nel = true;
      } else {
        r.skip();
      }
    }
    if (!has_id) r.fail_value(str_cat(what, " has no 'id'"));
    img.has_federated = has_neg && has_nel;
    gt.images.push_back(std::move(img));
  }
}

void read_categories(JsonReader& r, GroundTruth& gt) {
  r.begin_array();
  for (bool first = true; r.next_element(first);) {
    GtCategory cat;
    bool has_id = false;
    const std::string what = str_cat("categories[", gt.categories.size(), "]");
    r.begin_object();
    for (bool f = true; r.next_key(f);) {
      const std::string& k = r.key();
      if (k == "id") {
        cat.id = r.read_int(what + ".id");
        has_id = true;
      } else if (k == "name" && r.peek() == JsonReader::Type::kString) {
        cat.name = r.read_string();
      } else if (k == "frequency" && r.peek() == JsonReader::Type::kString) {
        cat.frequency = r.read_string();
      } else {
        r.skip();
      }
    }
    if (!has_id) r.fail_value(str_cat(what, " has no 'id'"));
    gt.categories.push_back(std::move(cat));
  }
}

void read_annotations(JsonReader& r, GroundTruth& gt) {
  r.begin_array();
  for (bool first = true; r.next_element(first);) {
    GtAnnotation a;
    unsigned seen = 0;  // id, image_id, category_id, bbox
    const size_t index = gt.annotations.size();
    r.begin_object();
    for (bool f = true; r.next_key(f);) {
      const std::string& k = r.key();
      if (k == "id") {
        a.id = read_id(r, "annotations", index, "id");
        seen |= 1;
      } else if (k == "image_id") {
        a.image_id = read_id(r, "annotations", index, "image_id");
        seen |= 2;
      } else if (k == "category_id") {
        a.category_id = read_id(r, "annotations", index, "category_id");
        seen |= 4;
      } else if (k == "bbox") {
        a.bbox = read_box(r, "annotations", index);
        seen |= 8;
      } else if (k == "area") {
        a.area = r.read_number();
        a.has_area = true;
      } else if (k == "iscrowd") {
        a.iscrowd = r.peek() == JsonReader::Type::kBool ? (r.read_bool() ? 1.0 : 0.0) : r.read_number();
        a.has_iscrowd = true;
      } else if (k == "ignore") {
        a.ignore = read_truthy(r);
      } else {
        r.skip();
      }
    }
    static const char* kNames[] = {"id", "image_id", "category_id", "bbox"};
    for (int i = 0; i < 4; ++i) {
      if (!(seen & (1u << i))) r.fail_value(str_cat("annotations[", index, "] has no '", kNames[i], "'"));
    }
    gt.annotations.push_back(a);
  }
}

}  // namespace

GroundTruth parse_ground_truth(const std::string& json_text, const std::string& path) {
  GroundTruth gt;
  gt.path = path;
  JsonReader r(json_text, path);
  if (r.peek() != JsonReader::Type::kObject) {
    r.fail_value("annotation file must be a JSON object with 'images', 'annotations' and 'categories'");
  }
  bool has_images = false, has_categories = false;
  r.begin_object();
  for (bool first = true; r.next_key(first);) {
    if (r.key() == "images") {
      read_images(r, gt);
      has_images = true;
    } else if (r.key() == "categories") {
      read_categories(r, gt);
      has_categories = true;
    } else if (r.key() == "annotations") {
      read_annotations(r, gt);
    } else {
      r.skip();
    }
  }
  r.expect_end();
  GLIP_CHECK_INPUT(has_images, "file '", path, "': key 'images' is missing (expected a list of images)");
  GLIP_CHECK_INPUT(has_categories, "file '", path, "': key 'categories' is missing (expected a list of categories)");
  return gt;
}

GroundTruth load_ground_truth(const std::string& path) { return parse_ground_truth(read_file(path), path); }

std::vector<DetectionResult> parse_results(const std::string& json_text, const std::string& path) {
  std::vector<DetectionResult> out;
  JsonReader r(json_text, path);
  if (r.peek() != JsonReader::Type::kArray) r.fail_value("results is not an array of objects");
  out.reserve(json_text.size() / 90 + 1);
  r.begin_array();
  for (bool first = true; r.next_element(first);) {
    DetectionResult d;
    unsigned seen = 0;
    const size_t index = out.size();
    if (r.peek() != JsonReader::Type::kObject) r.fail_value(str_cat("results[", index, "] is not an object"));
    r.begin_object();
    for (bool f = true; r.next_key(f);) {
      const std::string& k = r.key();
      if (k == "image_id") {
        d.image_id = read_id(r, "results", index, "image_id");
        seen |= 1;
      } else if (k == "category_id") {
        d.category_id = read_id(r, "results", index, "category_id");
        seen |= 2;
      } else if (k == "bbox") {
        d.bbox = read_box(r, "results", index);
        seen |= 4;
      } else if (k == "score") {
        d.score = r.read_number();
        seen |= 8;
      } else {
        r.skip();
      }
    }
    static const char* kNames[] = {"image_id", "category_id", "bbox", "score"};
    for (int i = 0; i < 4; ++i) {
      if (!(seen & (1u << i))) r.fail_value(str_cat("results[", index, "] has no '", kNames[i], "'"));
    }
    out.push_back(d);
  }
  r.expect_end();
  GLIP_CHECK_INPUT(!out.empty(), "file '", path,
                   "': the results list is empty (expected at least one detection {image_id, category_id, bbox, "
                   "score})");
  return out;
}

std::vector<DetectionResult> load_results(const std::string& path) { return parse_results(read_file(path), path); }

void check_result_images(const GroundTruth& gt, const std::vector<DetectionResult>& results,
                         const std::string& results_path, const std::string& dataset_word) {
  std::unordered_set<int64_t> ids;
  ids.reserve(gt.images.size() * 2);
  for (const auto& img : gt.images) ids.insert(img.id);
  for (size_t i = 0; i < results.size(); ++i) {
    if (!ids.count(results[i].image_id)) {
      size_t unknown = 0;
      for (const auto& d : results) unknown += !ids.count(d.image_id);
      throw InputError(str_cat("file '", results_path, "': Results do not correspond to current ", dataset_word,
                               " set: results[", i, "] has image_id ", results[i].image_id,
                               " which is not an image of '", gt.path, "' (", unknown,
                               " detections name unknown images)"));
    }
  }
}

}  // namespace glip::formats
