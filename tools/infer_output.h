// glip_infer's inputs and outputs: prompt / category-file vocabularies, image lists, detections as JSON,
// drawn images.
#pragma once
#include <opencv2/core/mat.hpp>

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace glip::tools {

/** "red star. blue ring" -> {1: "red star", 2: "blue ring"}; InputError naming --prompt when it has no phrase. */
std::map<int64_t, std::string> parse_prompt_phrases(const std::string& prompt);

/**
 * A category file: a COCO-style JSON ({"categories": [{"id", "name"}, ...]} or that list alone; ids kept) or a
 * text file with one name per line (blank lines and lines starting with '#' skipped; ids 1..n). InputError
 * naming the file when it is missing, empty, malformed or has duplicate ids.
 */
std::map<int64_t, std::string> read_categories_file(const std::string& path);

/**
 * The images of --images: a folder (its files of io::image_extensions(), sorted by name) or a list file (one path a
 * line, relative to the list's folder; blank and '#' lines skipped). InputError naming it when missing or empty.
 */
std::vector<std::string> list_images(const std::string& dir_or_list);

struct DrawnDetection {
  std::string phrase;
  int64_t label = 0;
  double score = 0;
  std::array<double, 4> box{};  ///< x1, y1, x2, y2 in original pixels
};

/** One image's detections: {"image", "width", "height", "detections": [{"phrase", "label", "score", "box"}]}. */
std::string detections_json(const std::string& image, int64_t width, int64_t height,
                            const std::vector<DrawnDetection>& dets);

/** A copy of `bgr` with each box, its phrase and score drawn (one colour per label). */
cv::Mat draw_detections(const cv::Mat& bgr, const std::vector<DrawnDetection>& dets);

}  // namespace glip::tools
