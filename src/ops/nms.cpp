#include "glip/ops/nms.h"

#include <algorithm>
#include <unordered_map>
#include <vector>

#include "glip/core/error.h"

namespace glip::ops {
namespace {

/**
 * Greedy NMS over `group` (positions into the score-sorted arrays, ascending = decreasing score). Marks kept
 * positions in `keep`.
 */
template <typename T>
void greedy_nms(const std::vector<int64_t>& group, const T* x1, const T* y1, const T* x2, const T* y2, const T* area,
                T threshold, T o, std::vector<uint8_t>& suppressed, std::vector<uint8_t>& keep) {
  const size_t n = group.size();
  for (size_t gi = 0; gi < n; ++gi) {
    const int64_t i = group[gi];
    if (suppressed[i]) continue;
    keep[i] = 1;
    const T ix1 = x1[i], iy1 = y1[i], ix2 = x2[i], iy2 = y2[i], iarea = area[i];
    for (size_t gj = gi + 1; gj < n; ++gj) {
      const int64_t j = group[gj];
      if (suppressed[j]) continue;
      const T w = std::max(T(0), std::min(ix2, x2[j]) - std::max(ix1, x1[j]) + o);
      const T h = std::max(T(0), std::min(iy2, y2[j]) - std::max(iy1, y1[j]) + o);
      const T inter = w * h;
      if (inter / (iarea + area[j] - inter) > threshold) suppressed[j] = 1;
    }
  }
}

/** labels: empty for plain NMS, else one (integral) label per box. */
at::Tensor nms_impl(const at::Tensor& boxes, const at::Tensor& scores, const at::Tensor* labels, double iou_threshold,
                    bool plus_one) {
  GLIP_CHECK(boxes.dim() == 2 && boxes.size(1) == 4, "nms: expected boxes [N, 4], got ", boxes.sizes());
  GLIP_CHECK(scores.dim() == 1 && scores.size(0) == boxes.size(0), "nms: expected scores [", boxes.size(0), "], got ",
             scores.sizes());
  GLIP_CHECK(boxes.is_floating_point(), "nms: boxes must be floating point, got ", boxes.scalar_type());
  const auto device = boxes.device();
  const int64_t n = boxes.size(0);
  if (n == 0) return at::empty({0}, boxes.options().dtype(at::kLong));

  // Score order (stable, so equal scores keep their input order).
  auto order = std::get<1>(scores.detach().to(at::kCPU).sort(/*stable=*/true, 0, /*descending=*/true));
  auto sorted = boxes.detach().to(at::kCPU).index_select(0, order).contiguous();
  const int64_t* ord = order.data_ptr<int64_t>();

  // Groups of sorted positions per label (one group without labels), each in decreasing score order.
  std::vector<std::vector<int64_t>> groups;
  if (labels == nullptr) {
    groups.emplace_back(n);
    for (int64_t p = 0; p < n; ++p) groups[0][p] = p;
  } else {
    GLIP_CHECK(labels->dim() == 1 && labels->size(0) == n, "batched_nms: expected labels [", n, "], got ",
               labels->sizes());
    auto lab = labels->detach().to(at::kCPU).to(at::kLong).contiguous();
    const int64_t* l = lab.data_ptr<int64_t>();
    std::unordered_map<int64_t, size_t> group_of;
    for (int64_t p = 0; p < n; ++p) {
      const int64_t label = l[ord[p]];
      auto it = group_of.find(label);
      if (it == group_of.end()) {
        it = group_of.emplace(label, groups.size()).first;
        groups.emplace_back();
      }
      groups[it->second].push_back(p);
    }
  }

  std::vector<uint8_t> suppressed(n, 0), keep(n, 0);
  AT_DISPATCH_FLOATING_TYPES(sorted.scalar_type(), "glip_nms", [&] {
    auto x1 = sorted.select(1, 0).contiguous(), y1 = sorted.select(1, 1).contiguous();
    auto x2 = sorted.select(1, 2).contiguous(), y2 = sorted.select(1, 3).contiguous();
    const scalar_t o = plus_one ? scalar_t(1) : scalar_t(0);
    auto area = ((x2 - x1 + o) * (y2 - y1 + o)).contiguous();
    for (const auto& g : groups)
      greedy_nms<scalar_t>(g, x1.data_ptr<scalar_t>(), y1.data_ptr<scalar_t>(), x2.data_ptr<scalar_t>(),
                           y2.data_ptr<scalar_t>(), area.data_ptr<scalar_t>(), static_cast<scalar_t>(iou_threshold), o,
                           suppressed, keep);
  });

  std::vector<int64_t> kept;
  for (int64_t p = 0; p < n; ++p)
    if (keep[p]) kept.push_back(ord[p]);
  return at::tensor(kept, at::TensorOptions().dtype(at::kLong)).to(device);
}

}  // namespace

at::Tensor nms(const at::Tensor& boxes, const at::Tensor& scores, double iou_threshold, bool plus_one) {
  return nms_impl(boxes, scores, nullptr, iou_threshold, plus_one);
}

at::Tensor batched_nms(const at::Tensor& boxes, const at::Tensor& scores, const at::Tensor& labels,
                       double iou_threshold, bool plus_one) {
  return nms_impl(boxes, scores, &labels, iou_threshold, plus_one);
}

}  // namespace glip::ops
