#include "glip/ops/boxes.h"

#include "glip/core/error.h"

namespace glip::ops {
namespace {
void check_boxes(const at::Tensor& boxes, const char* what) {
  GLIP_CHECK(boxes.defined() && boxes.dim() == 2 && boxes.size(1) == 4, what, ": expected boxes of shape [N, 4], got ",
             boxes.defined() ? boxes.sizes() : at::IntArrayRef{});
}
}  // namespace

at::Tensor box_area(const at::Tensor& boxes, bool plus_one) {
  check_boxes(boxes, "box_area");
  const double o = plus_one ? 1.0 : 0.0;
  return (boxes.select(1, 2) - boxes.select(1, 0) + o) * (boxes.select(1, 3) - boxes.select(1, 1) + o);
}

at::Tensor box_iou(const at::Tensor& a, const at::Tensor& b, bool plus_one) {
  check_boxes(a, "box_iou (first)");
  check_boxes(b, "box_iou (second)");
  const double o = plus_one ? 1.0 : 0.0;
  auto area_a = box_area(a, plus_one);
  auto area_b = box_area(b, plus_one);
  auto lt = at::max(a.slice(1, 0, 2).unsqueeze(1), b.slice(1, 0, 2).unsqueeze(0));  // [N, M, 2]
  auto rb = at::min(a.slice(1, 2, 4).unsqueeze(1), b.slice(1, 2, 4).unsqueeze(0));
  auto wh = (rb - lt + o).clamp_min(0);
  auto inter = wh.select(2, 0) * wh.select(2, 1);
  return inter / (area_a.unsqueeze(1) + area_b.unsqueeze(0) - inter);
}

at::Tensor clip_boxes(const at::Tensor& boxes, std::array<int64_t, 2> image_hw, bool plus_one) {
  check_boxes(boxes, "clip_boxes");
  const double o = plus_one ? 1.0 : 0.0;
  const double max_x = static_cast<double>(image_hw[1]) - o;
  const double max_y = static_cast<double>(image_hw[0]) - o;
  return at::stack({boxes.select(1, 0).clamp(0.0, max_x), boxes.select(1, 1).clamp(0.0, max_y),
                    boxes.select(1, 2).clamp(0.0, max_x), boxes.select(1, 3).clamp(0.0, max_y)},
                   1);
}

at::Tensor keep_min_size(const at::Tensor& boxes, double min_size, bool plus_one) {
  check_boxes(boxes, "keep_min_size");
  const double o = plus_one ? 1.0 : 0.0;
  auto ws = boxes.select(1, 2) - boxes.select(1, 0) + o;
  auto hs = boxes.select(1, 3) - boxes.select(1, 1) + o;
  return at::nonzero(at::logical_and(ws >= min_size, hs >= min_size)).view(-1);
}

at::Tensor rescale_boxes(const at::Tensor& boxes, std::array<int64_t, 2> from_hw, std::array<int64_t, 2> to_hw) {
  check_boxes(boxes, "rescale_boxes");
  GLIP_CHECK(from_hw[0] > 0 && from_hw[1] > 0 && to_hw[0] > 0 && to_hw[1] > 0,
             "rescale_boxes: image sizes must be positive, got from (", from_hw[0], ", ", from_hw[1], ") to (",
             to_hw[0], ", ", to_hw[1], ")");
  const double rw = static_cast<double>(to_hw[1]) / static_cast<double>(from_hw[1]);
  const double rh = static_cast<double>(to_hw[0]) / static_cast<double>(from_hw[0]);
  auto scale = at::tensor({rw, rh, rw, rh}, boxes.options().dtype(at::kDouble)).to(boxes.scalar_type());
  return boxes * scale;
}

}  // namespace glip::ops
