#include "glip/pseudo/compare.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>
#include <sstream>

#include "glip/core/error.h"
#include "glip/core/fs.h"
#include "glip/io/image.h"

namespace glip::pseudo {
namespace {

void flatten_into(const nlohmann::json& j, const std::string& prefix, std::map<std::string, double>& out) {
  if (j.is_number()) {
    out[prefix] = j.get<double>();
  } else if (j.is_object()) {
    for (auto it = j.begin(); it != j.end(); ++it)
      flatten_into(it.value(), prefix.empty() ? it.key() : prefix + "/" + it.key(), out);
  } else if (j.is_array()) {
    for (size_t i = 0; i < j.size(); ++i) flatten_into(j[i], prefix + "/" + std::to_string(i), out);
  }
}

std::string fmt(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4f", v);
  return buf;
}

}  // namespace

std::map<std::string, double> flatten_metrics(const nlohmann::json& j) {
  std::map<std::string, double> out;
  flatten_into(j, "", out);
  return out;
}

std::string comparison_table(const std::vector<RunMetrics>& runs, const std::vector<std::string>& keys,
                             const std::vector<std::string>& labels) {
  GLIP_CHECK(labels.size() == keys.size(), "comparison_table: ", keys.size(), " keys but ", labels.size(), " labels");
  const bool diff = runs.size() == 2;
  std::ostringstream o;
  o << "| metric |";
  for (const auto& r : runs) o << " " << r.name << " |";
  if (diff) o << " " << runs[1].name << " - " << runs[0].name << " |";
  o << "\n| --- |";
  for (size_t i = 0; i < runs.size() + (diff ? 1 : 0); ++i) o << " ---: |";
  o << "\n";
  for (size_t k = 0; k < keys.size(); ++k) {
    o << "| " << labels[k] << " |";
    std::vector<const double*> v;
    for (const auto& r : runs) {
      auto it = r.metrics.find(keys[k]);
      v.push_back(it == r.metrics.end() ? nullptr : &it->second);
      o << " " << (v.back() ? fmt(*v.back()) : "-") << " |";
    }
    if (diff) o << " " << (v[0] && v[1] ? (*v[1] >= *v[0] ? "+" : "") + fmt(*v[1] - *v[0]) : "-") << " |";
    o << "\n";
  }
  return o.str();
}

void plot_comparison(const std::string& png_path, const std::string& title, const std::vector<RunMetrics>& runs,
                     const std::vector<std::string>& keys, const std::vector<std::string>& labels) {
  GLIP_CHECK(labels.size() == keys.size() && !keys.empty() && !runs.empty(), "plot_comparison: nothing to plot");
  const int group_w = 40 + 34 * static_cast<int>(runs.size());
  const int L = 60, R = 20, T = 60, B = 150;
  const int W = std::max(500, L + R + group_w * static_cast<int>(keys.size())), H = 520;
  cv::Mat img(H, W, CV_8UC3, cv::Scalar(255, 255, 255));
  double vmax = 0;
  for (const auto& r : runs)
    for (const auto& k : keys)
      if (auto it = r.metrics.find(k); it != r.metrics.end() && std::isfinite(it->second))
        vmax = std::max(vmax, it->second);
  vmax = vmax > 0 ? vmax * 1.15 : 1.0;
  auto py = [&](double v) { return H - B - static_cast<int>(v / vmax * (H - T - B)); };
  const cv::Scalar black(0, 0, 0), grey(215, 215, 215);
  for (int t = 0; t <= 5; ++t) {
    const double v = vmax * t / 5.0;
    cv::line(img, {L, py(v)}, {W - R, py(v)}, grey, 1);
    cv::putText(img, cv::format("%.2f", v), {8, py(v) + 4}, cv::FONT_HERSHEY_SIMPLEX, 0.4, black, 1, cv::LINE_AA);
  }
  static const cv::Scalar palette[] = {{180, 119, 31}, {14, 127, 255}, {44, 160, 44}, {40, 39, 214}};
  for (size_t k = 0; k < keys.size(); ++k) {
    const int gx = L + static_cast<int>(k) * group_w + 20;
    for (size_t r = 0; r < runs.size(); ++r) {
      auto it = runs[r].metrics.find(keys[k]);
      if (it == runs[r].metrics.end() || !std::isfinite(it->second)) continue;
      const int x = gx + 34 * static_cast<int>(r);
      cv::rectangle(img, {x, py(it->second)}, {x + 28, py(0)}, palette[r % 4], cv::FILLED);
      cv::putText(img, cv::format("%.3f", it->second), {x - 2, py(it->second) - 5}, cv::FONT_HERSHEY_SIMPLEX, 0.33,
                  black, 1, cv::LINE_AA);
    }
    // Rotated group label: drawn on a strip, rotated, pasted under the group.
    cv::Mat strip(22, B - 10, CV_8UC3, cv::Scalar(255, 255, 255));
    cv::putText(strip, labels[k], {2, 15}, cv::FONT_HERSHEY_SIMPLEX, 0.4, black, 1, cv::LINE_AA);
    cv::Mat rotated;
    cv::rotate(strip, rotated, cv::ROTATE_90_COUNTERCLOCKWISE);
    const int lx = gx + 17 * static_cast<int>(runs.size()) - 11;
    if (lx >= 0 && lx + rotated.cols <= W) rotated.copyTo(img(cv::Rect(lx, H - B + 5, rotated.cols, rotated.rows)));
  }
  cv::line(img, {L, py(0)}, {W - R, py(0)}, black, 1);
  cv::putText(img, title, {L, 25}, cv::FONT_HERSHEY_SIMPLEX, 0.6, black, 1, cv::LINE_AA);
  for (size_t r = 0; r < runs.size(); ++r) {
    const int lx = L + 160 * static_cast<int>(r);
    cv::rectangle(img, {lx, 36}, {lx + 14, 48}, palette[r % 4], cv::FILLED);
    cv::putText(img, runs[r].name, {lx + 20, 47}, cv::FONT_HERSHEY_SIMPLEX, 0.45, black, 1, cv::LINE_AA);
  }
  write_file_atomic(png_path, io::encode_png(img));
}

}  // namespace glip::pseudo
