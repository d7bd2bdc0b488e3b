// Shape outlines (as sub-pixel polygons or circles) drawn into binary masks.
#include <opencv2/imgproc.hpp>

#include <cmath>

#include "glip/core/error.h"
#include "glip/synth/scene.h"

namespace glip::synth {
namespace {

constexpr int kShift = 4;  // fixed-point bits of polygon coordinates
constexpr double kScale = 1 << kShift;

std::vector<cv::Point2d> regular(int n, double r0, double r1) {
  // n points alternating radius r0, r1 when r1 > 0 (stars), starting at the top.
  std::vector<cv::Point2d> p;
  int count = r1 > 0 ? 2 * n : n;
  for (int i = 0; i < count; ++i) {
    double a = -CV_PI / 2 + 2 * CV_PI * i / count;
    double r = (r1 > 0 && i % 2) ? r1 : r0;
    p.emplace_back(r * std::cos(a), r * std::sin(a));
  }
  return p;
}

std::vector<cv::Point2d> unit_outline(const std::string& shape) {
  if (shape == "square") return {{-1, -1}, {1, -1}, {1, 1}, {-1, 1}};
  if (shape == "triangle") return regular(3, 1.0, 0);
  if (shape == "star") return regular(5, 1.0, 0.45);
  if (shape == "diamond") return {{0, -1}, {0.62, 0}, {0, 1}, {-0.62, 0}};
  if (shape == "hexagon") return regular(6, 1.0, 0);
  if (shape == "pentagon") return regular(5, 1.0, 0);
  if (shape == "cross") {
    const double a = 0.34, b = 1.0;
    return {{-a, -b}, {a, -b}, {a, -a}, {b, -a}, {b, a}, {a, a}, {a, b}, {-a, b}, {-a, a}, {-b, a}, {-b, -a}, {-a, -a}};
  }
  if (shape == "heart") {
    std::vector<cv::Point2d> p;
    for (int i = 0; i < 48; ++i) {
      double t = 2 * CV_PI * i / 48;
      double s = std::sin(t);
      p.emplace_back(16 * s * s * s, -(13 * std::cos(t) - 5 * std::cos(2 * t) - 2 * std::cos(3 * t) - std::cos(4 * t)));
    }
    return p;
  }
  GLIP_CHECK_INPUT(false, "unknown shape '", shape, "'");
  return {};
}

}  // namespace

void draw_shape_mask(const std::string& shape, const ObjectSpec& o, cv::Mat& mask) {
  const cv::Point centre(static_cast<int>(std::lround(o.cx * kScale)), static_cast<int>(std::lround(o.cy * kScale)));
  if (shape == "circle" || shape == "ring") {
    cv::circle(mask, centre, static_cast<int>(std::lround(o.side / 2 * kScale)), cv::Scalar(255), cv::FILLED,
               cv::LINE_8, kShift);
    if (shape == "ring")
      cv::circle(mask, centre, static_cast<int>(std::lround(o.side * 0.27 * kScale)), cv::Scalar(0), cv::FILLED,
                 cv::LINE_8, kShift);
    return;
  }
  // Rotate the unit outline, then fit its bounding box into the side x side square around the centre.
  std::vector<cv::Point2d> p = unit_outline(shape);
  const double c = std::cos(o.angle), s = std::sin(o.angle);
  double x0 = 1e9, y0 = 1e9, x1 = -1e9, y1 = -1e9;
  for (auto& q : p) {
    q = cv::Point2d(c * q.x - s * q.y, s * q.x + c * q.y);
    x0 = std::min(x0, q.x), y0 = std::min(y0, q.y), x1 = std::max(x1, q.x), y1 = std::max(y1, q.y);
  }
  const double scale = o.side / std::max(x1 - x0, y1 - y0);
  const double mx = (x0 + x1) / 2, my = (y0 + y1) / 2;
  std::vector<cv::Point> pts;
  pts.reserve(p.size());
  for (const auto& q : p)
    pts.emplace_back(static_cast<int>(std::lround((o.cx + (q.x - mx) * scale) * kScale)),
                     static_cast<int>(std::lround((o.cy + (q.y - my) * scale) * kScale)));
  std::vector<std::vector<cv::Point>> polys{pts};
  cv::fillPoly(mask, polys, cv::Scalar(255), cv::LINE_8, kShift);
}

}  // namespace glip::synth
