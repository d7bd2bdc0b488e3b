#include "glip/modeling/head/box_coder.h"

#include "glip/core/error.h"

namespace glip::modeling {
namespace {
void check_n4(const at::Tensor& t, const char* what) {
  GLIP_CHECK(t.defined() && t.dim() == 2 && t.size(1) == 4, "BoxCoder: expected ", what, " of shape [N, 4], got ",
             t.defined() ? t.sizes() : at::IntArrayRef{});
}

/** Widths, heights and centres of xyxy boxes (+o on the sizes). */
struct Geometry {
  at::Tensor w, h, cx, cy;
};
Geometry geometry(const at::Tensor& b, double o) {
  return {b.select(1, 2) - b.select(1, 0) + o, b.select(1, 3) - b.select(1, 1) + o,
          (b.select(1, 2) + b.select(1, 0)) / 2, (b.select(1, 3) + b.select(1, 1)) / 2};
}
}  // namespace

at::Tensor BoxCoder::encode(const at::Tensor& boxes, const at::Tensor& anchors) const {
  check_n4(boxes, "boxes");
  check_n4(anchors, "anchors");
  const double o = options_.plus_one ? 1.0 : 0.0;
  const auto ex = geometry(anchors.to(boxes.scalar_type()), o);
  const auto gt = geometry(boxes, o);
  const auto& w = options_.weights;
  return at::stack({w[0] * (gt.cx - ex.cx) / ex.w, w[1] * (gt.cy - ex.cy) / ex.h, w[2] * at::log(gt.w / ex.w),
                    w[3] * at::log(gt.h / ex.h)},
                   1);
}

at::Tensor BoxCoder::decode(const at::Tensor& deltas, const at::Tensor& anchors) const {
  check_n4(deltas, "deltas");
  check_n4(anchors, "anchors");
  const double o = options_.plus_one ? 1.0 : 0.0;
  const auto a = geometry(anchors.to(deltas.scalar_type()), o);
  const auto& w = options_.weights;
  auto dx = deltas.select(1, 0) / w[0];
  auto dy = deltas.select(1, 1) / w[1];
  auto dw = (deltas.select(1, 2) / w[2]).clamp_max(options_.bbox_xform_clip);
  auto dh = (deltas.select(1, 3) / w[3]).clamp_max(options_.bbox_xform_clip);
  auto pcx = dx * a.w + a.cx;
  auto pcy = dy * a.h + a.cy;
  auto half_w = 0.5 * (at::exp(dw) * a.w - o);
  auto half_h = 0.5 * (at::exp(dh) * a.h - o);
  return at::stack({pcx - half_w, pcy - half_h, pcx + half_w, pcy + half_h}, 1);
}

}  // namespace glip::modeling
