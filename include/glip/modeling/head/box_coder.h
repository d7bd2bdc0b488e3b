/**
 * The ATSS box coder of GLIP (`vldyhead.BoxCoder`): deltas (dx, dy, dw, dh) between boxes and anchors, weights
 * (10, 10, 5, 5), the legacy +1 width/height convention, and dw/dh clamped at log(1000 / 16) when decoding.
 */
#pragma once
#include <ATen/ATen.h>

#include <array>
#include <cmath>

namespace glip::modeling {

struct BoxCoderOptions {
  std::array<double, 4> weights{10.0, 10.0, 5.0, 5.0};  ///< (wx, wy, ww, wh)
  double bbox_xform_clip = std::log(1000.0 / 16.0);     ///< upper clamp of dw/dh before exp()
  bool plus_one = true;                                 ///< width = x2 - x1 + 1
};

class BoxCoder {
 public:
  explicit BoxCoder(BoxCoderOptions options = {}) : options_(options) {}

  /** Deltas [N, 4] that turn anchors [N, 4] into boxes [N, 4] (both xyxy). */
  at::Tensor encode(const at::Tensor& boxes, const at::Tensor& anchors) const;

  /** Boxes [N, 4] (xyxy) from deltas [N, 4] and anchors [N, 4]. Differentiable in the deltas. */
  at::Tensor decode(const at::Tensor& deltas, const at::Tensor& anchors) const;

  const BoxCoderOptions& options() const { return options_; }

 private:
  BoxCoderOptions options_;
};

}  // namespace glip::modeling
