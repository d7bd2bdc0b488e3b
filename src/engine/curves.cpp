#include "glip/engine/curves.h"

#include <algorithm>
#include <cmath>
#include <opencv2/imgproc.hpp>

#include "glip/core/error.h"
#include "glip/core/fs.h"
#include "glip/io/image.h"

namespace glip::engine {

void plot_curves(const std::string& png_path, const std::string& title, const std::map<std::string, Series>& series) {
  const int W = 900, H = 540, L = 80, R = 190, T = 40, B = 50;
  cv::Mat img(H, W, CV_8UC3, cv::Scalar(255, 255, 255));
  double x0 = 1e300, x1 = -1e300, y0 = 1e300, y1 = -1e300;
  for (const auto& [name, pts] : series) {
    for (const auto& [x, y] : pts) {
      if (!std::isfinite(y)) continue;
      x0 = std::min(x0, x), x1 = std::max(x1, x), y0 = std::min(y0, y), y1 = std::max(y1, y);
    }
  }
  if (x0 > x1) x0 = 0, x1 = 1, y0 = 0, y1 = 1;
  if (x1 - x0 < 1e-12) x1 = x0 + 1;
  if (y1 - y0 < 1e-12) y1 = y0 + 1;
  auto px = [&](double x) { return L + static_cast<int>((x - x0) / (x1 - x0) * (W - L - R)); };
  auto py = [&](double y) { return H - B - static_cast<int>((y - y0) / (y1 - y0) * (H - T - B)); };
  const cv::Scalar black(0, 0, 0), grey(210, 210, 210);
  for (int k = 0; k <= 5; ++k) {
    const double yv = y0 + (y1 - y0) * k / 5.0, xv = x0 + (x1 - x0) * k / 5.0;
    cv::line(img, {L, py(yv)}, {W - R, py(yv)}, grey, 1);
    cv::putText(img, cv::format("%.3g", yv), {5, py(yv) + 4}, cv::FONT_HERSHEY_SIMPLEX, 0.4, black, 1, cv::LINE_AA);
    cv::putText(img, cv::format("%.0f", xv), {px(xv) - 15, H - B + 18}, cv::FONT_HERSHEY_SIMPLEX, 0.4, black, 1,
                cv::LINE_AA);
  }
  cv::rectangle(img, {L, T}, {W - R, H - B}, black, 1);
  cv::putText(img, title, {L, T - 12}, cv::FONT_HERSHEY_SIMPLEX, 0.6, black, 1, cv::LINE_AA);
  cv::putText(img, "iteration", {(W - R + L) / 2 - 30, H - 12}, cv::FONT_HERSHEY_SIMPLEX, 0.45, black, 1, cv::LINE_AA);
  static const cv::Scalar palette[] = {{180, 119, 31},  {14, 127, 255}, {44, 160, 44},   {40, 39, 214},
                                       {189, 103, 148}, {75, 86, 140},  {194, 119, 227}, {127, 127, 127}};
  int n = 0;
  for (const auto& [name, pts] : series) {
    const cv::Scalar c = palette[n % 8];
    std::vector<cv::Point> poly;
    for (const auto& [x, y] : pts)
      if (std::isfinite(y)) poly.emplace_back(px(x), py(y));
    if (poly.size() == 1) cv::circle(img, poly[0], 3, c, cv::FILLED);
    if (poly.size() > 1) cv::polylines(img, poly, false, c, 2, cv::LINE_AA);
    const int ly = T + 18 + 20 * n;
    cv::line(img, {W - R + 10, ly - 4}, {W - R + 35, ly - 4}, c, 2);
    cv::putText(img, name, {W - R + 40, ly}, cv::FONT_HERSHEY_SIMPLEX, 0.45, black, 1, cv::LINE_AA);
    ++n;
  }
  write_file_atomic(png_path, io::encode_png(img));
}

}  // namespace glip::engine
