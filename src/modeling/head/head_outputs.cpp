#include "glip/modeling/head/head_outputs.h"

#include "glip/core/error.h"

namespace glip::modeling {

at::Tensor permute_and_flatten(const at::Tensor& layer, int64_t num_anchors_per_location, int64_t channels) {
  GLIP_CHECK(layer.dim() == 4 && layer.size(1) == num_anchors_per_location * channels,
             "permute_and_flatten: expected [B, ", num_anchors_per_location * channels, ", H, W], got ", layer.sizes());
  const int64_t n = layer.size(0), h = layer.size(2), w = layer.size(3);
  return layer.view({n, num_anchors_per_location, channels, h, w}).permute({0, 3, 4, 1, 2}).reshape({n, -1, channels});
}

size_t check_head_outputs(const HeadOutputs& o, const std::vector<at::Tensor>& anchors) {
  const size_t levels = o.box_regression.size();
  GLIP_CHECK(levels > 0, "head outputs: no levels");
  GLIP_CHECK(o.centerness.size() == levels && o.dot_product_logits.size() == levels && anchors.size() == levels,
             "head outputs: level counts differ (box_regression ", levels, ", centerness ", o.centerness.size(),
             ", dot_product_logits ", o.dot_product_logits.size(), ", anchors ", anchors.size(), ")");
  GLIP_CHECK(o.box_cls.empty() || o.box_cls.size() == levels, "head outputs: box_cls has ", o.box_cls.size(),
             " levels, expected 0 or ", levels);
  for (size_t l = 0; l < levels; ++l) {
    const auto& r = o.box_regression[l];
    GLIP_CHECK(r.dim() == 4 && r.size(1) % 4 == 0, "head outputs: box_regression level ", l,
               " must be [B, A*4, H, W], got ", r.sizes());
    const int64_t b = r.size(0), a = r.size(1) / 4, hw = r.size(2) * r.size(3);
    GLIP_CHECK(o.centerness[l].dim() == 4 && o.centerness[l].size(0) == b && o.centerness[l].size(1) == a &&
                   o.centerness[l].size(2) == r.size(2) && o.centerness[l].size(3) == r.size(3),
               "head outputs: centerness level ", l, " is ", o.centerness[l].sizes(), ", expected [", b, ", ", a, ", ",
               r.size(2), ", ", r.size(3), "]");
    const auto& d = o.dot_product_logits[l];
    GLIP_CHECK(d.dim() == 3 && d.size(0) == b && d.size(1) == hw * a, "head outputs: dot_product_logits level ", l,
               " is ", d.sizes(), ", expected [", b, ", ", hw * a, ", T]");
    GLIP_CHECK(anchors[l].dim() == 2 && anchors[l].size(0) == hw * a && anchors[l].size(1) == 4,
               "head outputs: anchors level ", l, " is ", anchors[l].sizes(), ", expected [", hw * a, ", 4]");
    if (!o.box_cls.empty())
      GLIP_CHECK(o.box_cls[l].dim() == 4 && o.box_cls[l].size(0) == b && o.box_cls[l].size(1) % a == 0 &&
                     o.box_cls[l].size(2) == r.size(2) && o.box_cls[l].size(3) == r.size(3),
                 "head outputs: box_cls level ", l, " is ", o.box_cls[l].sizes(), ", expected [", b, ", A*C, ",
                 r.size(2), ", ", r.size(3), "]");
  }
  return levels;
}

}  // namespace glip::modeling
