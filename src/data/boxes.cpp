// The official BoxList box convention (TO_REMOVE = 1); see include/glip/data/boxes.h. Float arithmetic in the
// order of the official float32 tensor expressions, so that the numbers are the official ones.
#include "glip/data/boxes.h"

#include <algorithm>

namespace glip::data {

std::array<float, 4> coco_xywh_to_xyxy(const std::array<float, 4>& b) {
  // BoxList._split_into_xyxy for mode "xywh": xmin + (w - TO_REMOVE).clamp(min=0). ConvertCocoPolysToMask's
  // boxes[:, 2:] += boxes[:, :2] - 1 (MDETR-style JSON) gives the same float32 numbers for w >= 1 (200000 random
  // boxes compared); for w < 1 both leave x2 <= x1, a box clip_box_to_image removes.
  return {b[0], b[1], b[0] + std::max(b[2] - 1.f, 0.f), b[1] + std::max(b[3] - 1.f, 0.f)};
}

std::array<double, 4> xyxy_to_result_xywh(const std::array<float, 4>& b, bool plus_one) {
  const float one = plus_one ? 1.f : 0.f;
  return {b[0], b[1], (b[2] - b[0]) + one, (b[3] - b[1]) + one};
}

bool clip_box_to_image(std::array<float, 4>& b, int64_t width, int64_t height) {
  const float xmax = static_cast<float>(width - 1), ymax = static_cast<float>(height - 1);
  // torch.clamp(min=0, max=size - 1) is min(max(v, 0), size - 1); a NaN stays NaN and fails the test below.
  b[0] = std::min(std::max(b[0], 0.f), xmax);
  b[1] = std::min(std::max(b[1], 0.f), ymax);
  b[2] = std::min(std::max(b[2], 0.f), xmax);
  b[3] = std::min(std::max(b[3], 0.f), ymax);
  return b[2] > b[0] && b[3] > b[1];
}

std::array<float, 4> resize_box(const std::array<float, 4>& b, float sx, float sy) {
  return {b[0] * sx, b[1] * sy, b[2] * sx, b[3] * sy};
}

std::array<float, 4> flip_box_left_right(const std::array<float, 4>& b, int64_t image_width) {
  const float w = static_cast<float>(image_width);
  return {w - b[2] - 1.f, b[1], w - b[0] - 1.f, b[3]};
}

}  // namespace glip::data
