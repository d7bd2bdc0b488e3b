// Detections as JSON lines and drawn images (infer_images).
#include "glip/inference/infer_output.h"

#include <nlohmann/json.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <map>

namespace glip::inference {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

cv::Scalar colour_of(int64_t label) {
  static const int kPalette[][3] = {{56, 56, 255},  {151, 157, 255}, {31, 112, 255}, {29, 178, 255},
                                    {49, 210, 207}, {10, 249, 72},   {23, 204, 146}, {134, 219, 61},
                                    {52, 147, 26},  {187, 212, 0},   {168, 153, 44}, {255, 194, 0},
                                    {147, 69, 52},  {255, 115, 100}, {236, 24, 0},   {255, 56, 132}};
  const auto& c = kPalette[static_cast<size_t>(std::max<int64_t>(label, 0)) % 16];
  return cv::Scalar(c[0], c[1], c[2]);
}

}  // namespace

std::string detections_json(const std::string& image, int64_t width, int64_t height,
                            const std::vector<DrawnDetection>& dets) {
  json arr = json::array();
  for (const auto& d : dets)
    arr.push_back({{"phrase", d.phrase},
                   {"label", d.label},
                   {"score", d.score},
                   {"box", {d.box[0], d.box[1], d.box[2], d.box[3]}}});
  return json{{"image", image}, {"width", width}, {"height", height}, {"detections", arr}}.dump();
}

cv::Mat draw_detections(const cv::Mat& bgr, const std::vector<DrawnDetection>& dets) {
  cv::Mat out = bgr.clone();
  const int thick = std::max(1, static_cast<int>(std::lround(std::max(out.cols, out.rows) / 400.0)));
  const double font = std::max(0.35, std::max(out.cols, out.rows) / 1000.0);
  for (const auto& d : dets) {
    const cv::Scalar colour = colour_of(d.label);
    const cv::Point p1(static_cast<int>(std::lround(d.box[0])), static_cast<int>(std::lround(d.box[1])));
    const cv::Point p2(static_cast<int>(std::lround(d.box[2])), static_cast<int>(std::lround(d.box[3])));
    cv::rectangle(out, p1, p2, colour, thick);
    char score[16];
    std::snprintf(score, sizeof score, " %.2f", d.score);
    const std::string text = d.phrase + score;
    int base = 0;
    const cv::Size ts = cv::getTextSize(text, cv::FONT_HERSHEY_SIMPLEX, font, 1, &base);
    const int top = p1.y - ts.height - base >= 0 ? p1.y - ts.height - base : p1.y;
    cv::rectangle(out, cv::Point(p1.x, top), cv::Point(p1.x + ts.width, top + ts.height + base), colour, cv::FILLED);
    cv::putText(out, text, cv::Point(p1.x, top + ts.height), cv::FONT_HERSHEY_SIMPLEX, font, cv::Scalar(255, 255, 255),
                1, cv::LINE_AA);
  }
  return out;
}

std::vector<std::string> output_stems(const std::vector<std::string>& paths) {
  std::map<std::string, int> count;
  for (const auto& p : paths) ++count[fs::path(p).stem().string()];
  std::vector<std::string> out;
  for (size_t i = 0; i < paths.size(); ++i) {
    const std::string stem = fs::path(paths[i]).stem().string();
    out.push_back(count[stem] > 1 ? std::to_string(i) + "_" + stem : stem);
  }
  return out;
}

}  // namespace glip::inference
