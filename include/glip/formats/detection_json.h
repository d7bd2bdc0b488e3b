/**
 * Ground truth (COCO / LVIS instances JSON) and detection results (COCO results JSON) as plain arrays,
 * loaded with the semantics of pycocotools' COCO / loadRes and lvis-api's LVIS / LVISResults.
 */
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace glip::formats {

/** A box as COCO writes it: [x, y, width, height]. */
struct BoxXYWH {
  double x = 0, y = 0, w = 0, h = 0;
};

struct GtAnnotation {
  int64_t id = 0;
  int64_t image_id = 0;
  int64_t category_id = 0;
  BoxXYWH bbox;
  double area = 0;
  bool has_area = false;
  double iscrowd = 0;  // the raw value: COCO ignores on truthiness, matches crowd on int(iscrowd) != 0
  bool has_iscrowd = false;
  bool ignore = false;  // truthiness of the `ignore` key (LVIS uses it; pycocotools overwrites it)
};

struct GtImage {
  int64_t id = 0;
  std::string file_name;
  std::string coco_url;  // LVIS v1 images name their file only here (".../val2017/000000000139.jpg")
  int64_t width = 0, height = 0;
  bool has_federated = false;  // both LVIS keys present
  std::vector<int64_t> neg_category_ids;
  std::vector<int64_t> not_exhaustive_category_ids;
};

struct GtCategory {
  int64_t id = 0;
  std::string name;
  std::string frequency;  // LVIS "r" / "c" / "f"; empty when absent
};

/** An instances file: images, categories and annotations in file order. */
struct GroundTruth {
  std::string path;
  std::vector<GtImage> images;
  std::vector<GtCategory> categories;
  std::vector<GtAnnotation> annotations;
};

/** One entry of a results file. */
struct DetectionResult {
  int64_t image_id = 0;
  int64_t category_id = 0;
  BoxXYWH bbox;
  double score = 0;
};

/** Reads a COCO/LVIS instances file. Segmentations are skipped. `path` names the file in errors. */
GroundTruth parse_ground_truth(const std::string& json_text, const std::string& path);
GroundTruth load_ground_truth(const std::string& path);

/**
 * Reads a results file: a JSON list of {image_id, category_id, bbox: [x,y,w,h], score}. An empty list,
 * a non-list, or an entry without a 4-number bbox or a score throws InputError.
 */
std::vector<DetectionResult> parse_results(const std::string& json_text, const std::string& path);
std::vector<DetectionResult> load_results(const std::string& path);

/**
 * pycocotools' loadRes check: every result's image_id must be an image of the ground truth, otherwise
 * InputError "Results do not correspond to current coco set" naming the first unknown id.
 */
void check_result_images(const GroundTruth& gt, const std::vector<DetectionResult>& results,
                         const std::string& results_path, const std::string& dataset_word);

}  // namespace glip::formats
