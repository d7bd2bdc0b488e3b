#include "infer_output.h"

#include <nlohmann/json.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <sstream>

#include "glip/core/error.h"
#include "glip/core/fs.h"
#include "glip/core/json.h"
#include "glip/io/image.h"

namespace glip::tools {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t\r\n") - b + 1);
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

std::map<int64_t, std::string> categories_from_json(const std::string& path, const std::string& text) {
  json doc = parse_json_input(text, "categories file '" + path + "'");
  const json* list = &doc;
  if (doc.is_object() && doc.contains("categories")) list = &doc["categories"];
  GLIP_CHECK_INPUT(list->is_array() && !list->empty(), "categories file '", path,
                   "': expected a non-empty list of {\"id\", \"name\"} (or an object with \"categories\")");
  std::map<int64_t, std::string> out;
  for (size_t i = 0; i < list->size(); ++i) {
    const json& c = (*list)[i];
    GLIP_CHECK_INPUT(c.is_object() && c.contains("id") && c["id"].is_number_integer() && c.contains("name") &&
                         c["name"].is_string() && !trim(c["name"].get<std::string>()).empty(),
                     "categories file '", path, "': entry ", i, " is not {\"id\": integer, \"name\": non-empty string}");
    GLIP_CHECK_INPUT(out.emplace(c["id"].get<int64_t>(), trim(c["name"].get<std::string>())).second,
                     "categories file '", path, "': duplicate id ", c["id"].get<int64_t>());
  }
  return out;
}

cv::Scalar colour_of(int64_t label) {
  static const int kPalette[][3] = {{56, 56, 255},  {151, 157, 255}, {31, 112, 255}, {29, 178, 255},
                                    {49, 210, 207}, {10, 249, 72},   {23, 204, 146}, {134, 219, 61},
                                    {52, 147, 26},  {187, 212, 0},   {168, 153, 44}, {255, 194, 0},
                                    {147, 69, 52},  {255, 115, 100}, {236, 24, 0},   {255, 56, 132}};
  const auto& c = kPalette[static_cast<size_t>(std::max<int64_t>(label, 0)) % 16];
  return cv::Scalar(c[0], c[1], c[2]);
}

}  // namespace

std::map<int64_t, std::string> parse_prompt_phrases(const std::string& prompt) {
  std::map<int64_t, std::string> out;
  std::stringstream ss(prompt);
  for (std::string part; std::getline(ss, part, '.');) {
    part = trim(part);
    if (!part.empty()) out.emplace(static_cast<int64_t>(out.size()) + 1, part);
  }
  GLIP_CHECK_INPUT(!out.empty(), "--prompt '", prompt,
                   "': no phrase to detect (expected names separated by '.', e.g. \"red star. blue ring\")");
  return out;
}

std::map<int64_t, std::string> read_categories_file(const std::string& path) {
  GLIP_CHECK_INPUT(fs::is_regular_file(path), "categories file '", path, "' does not exist or is not a file");
  const std::string text = read_file(path);
  if (lower(fs::path(path).extension().string()) == ".json") return categories_from_json(path, text);
  std::map<int64_t, std::string> out;
  std::stringstream ss(text);
  for (std::string line; std::getline(ss, line);) {
    line = trim(line);
    if (!line.empty() && line[0] != '#') out.emplace(static_cast<int64_t>(out.size()) + 1, line);
  }
  GLIP_CHECK_INPUT(!out.empty(), "categories file '", path, "' has no category names (one name a line expected)");
  return out;
}

std::vector<std::string> list_images(const std::string& dir_or_list) {
  GLIP_CHECK_INPUT(fs::exists(dir_or_list), "--images '", dir_or_list, "' does not exist");
  std::vector<std::string> out;
  if (fs::is_directory(dir_or_list)) {
    for (const auto& e : fs::directory_iterator(dir_or_list))
      if (e.is_regular_file() && io::is_image_extension(e.path().extension().string()))
        out.push_back(e.path().string());
    std::sort(out.begin(), out.end());
    std::string exts;
    for (const auto& x : io::image_extensions()) exts += (exts.empty() ? "" : "/") + x;
    GLIP_CHECK_INPUT(!out.empty(), "--images '", dir_or_list, "': the folder has no image file (", exts, ")");
    return out;
  }
  const fs::path base = fs::path(dir_or_list).parent_path();
  std::stringstream ss(read_file(dir_or_list));
  for (std::string line; std::getline(ss, line);) {
    line = trim(line);
    if (line.empty() || line[0] == '#') continue;
    const fs::path p = fs::path(line).is_absolute() ? fs::path(line) : base / line;
    GLIP_CHECK_INPUT(fs::is_regular_file(p), "image list '", dir_or_list, "': '", p.string(), "' does not exist");
    out.push_back(p.string());
  }
  GLIP_CHECK_INPUT(!out.empty(), "image list '", dir_or_list, "' names no image");
  return out;
}

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
    cv::putText(out, text, cv::Point(p1.x, top + ts.height), cv::FONT_HERSHEY_SIMPLEX, font,
                cv::Scalar(255, 255, 255), 1, cv::LINE_AA);
  }
  return out;
}

}  // namespace glip::tools
