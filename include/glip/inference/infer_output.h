// The outputs of open-vocabulary inference on image files: detections as JSON lines and drawn images.
#pragma once
#include <opencv2/core/mat.hpp>

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace glip::inference {

/** One kept detection of an image, named by its phrase. */
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

/** Output file names: the image's stem, made unique with its index when two inputs share one. */
std::vector<std::string> output_stems(const std::vector<std::string>& paths);

}  // namespace glip::inference
