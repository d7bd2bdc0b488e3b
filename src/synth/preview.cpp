#include "preview.h"

#include <opencv2/imgproc.hpp>

#include <cmath>

#include "glip/core/error.h"
#include "glip/io/image.h"

namespace glip::synth {
namespace {

const cv::Scalar kPalette[] = {{0, 255, 255}, {255, 0, 255}, {0, 255, 0},   {255, 255, 0},
                               {0, 128, 255}, {255, 128, 0}, {128, 0, 255}, {255, 255, 255}};

// Splits `text` into lines that fit `width` pixels.
std::vector<std::string> wrap(const std::string& text, int width, double scale) {
  std::vector<std::string> lines;
  std::string line, word;
  auto fits = [&](const std::string& s) {
    int base = 0;
    return cv::getTextSize(s, cv::FONT_HERSHEY_SIMPLEX, scale, 1, &base).width <= width;
  };
  for (size_t i = 0; i <= text.size(); ++i) {
    if (i < text.size() && text[i] != ' ') {
      word += text[i];
      continue;
    }
    std::string cand = line.empty() ? word : line + " " + word;
    if (!line.empty() && !fits(cand)) {
      lines.push_back(line);
      line = word;
    } else {
      line = cand;
    }
    word.clear();
  }
  if (!line.empty()) lines.push_back(line);
  return lines;
}

}  // namespace

std::string render_preview_png(const std::vector<PreviewSample>& samples) {
  const int n = std::max<int>(1, static_cast<int>(samples.size()));
  const int cols = static_cast<int>(std::ceil(std::sqrt(static_cast<double>(n))));
  const int rows = (n + cols - 1) / cols;
  const int side = samples.empty() ? 320 : samples[0].image.cols * 2;
  const int text_h = 52, pad = 6;
  const int cell_w = side + pad, cell_h = side + text_h + pad;
  cv::Mat canvas(rows * cell_h + pad, cols * cell_w + pad, CV_8UC3, cv::Scalar(32, 32, 32));
  for (int i = 0; i < static_cast<int>(samples.size()); ++i) {
    const PreviewSample& s = samples[i];
    const int x0 = pad + (i % cols) * cell_w, y0 = pad + (i / cols) * cell_h;
    cv::Mat big;
    cv::resize(s.image, big, cv::Size(side, side), 0, 0, cv::INTER_NEAREST);
    const double k = static_cast<double>(side) / s.image.cols;
    for (size_t b = 0; b < s.boxes.size(); ++b) {
      const Box& box = s.boxes[b].first;
      const cv::Scalar col = kPalette[b % 8];
      cv::rectangle(big, cv::Point(static_cast<int>(box.x1 * k), static_cast<int>(box.y1 * k)),
                    cv::Point(static_cast<int>(box.x2 * k) - 1, static_cast<int>(box.y2 * k) - 1), col, 1);
      const cv::Point org(static_cast<int>(box.x1 * k) + 1, std::max(9, static_cast<int>(box.y1 * k) - 2));
      cv::putText(big, s.boxes[b].second, org, cv::FONT_HERSHEY_SIMPLEX, 0.32, cv::Scalar(0, 0, 0), 2);
      cv::putText(big, s.boxes[b].second, org, cv::FONT_HERSHEY_SIMPLEX, 0.32, col, 1);
    }
    big.copyTo(canvas(cv::Rect(x0, y0, side, side)));
    int y = y0 + side + 11;
    for (const auto& line : wrap(s.caption, side, 0.33)) {
      if (y > y0 + side + text_h) break;
      cv::putText(canvas, line, cv::Point(x0, y), cv::FONT_HERSHEY_SIMPLEX, 0.33, cv::Scalar(230, 230, 230), 1);
      y += 12;
    }
  }
  return io::encode_png(canvas);
}

}  // namespace glip::synth
