#include "glip/modeling/head/atss_assigner.h"

#include <limits>

#include "glip/core/error.h"
#include "glip/ops/boxes.h"

namespace glip::modeling {

namespace {
at::Tensor centres(const at::Tensor& boxes) {
  return at::stack({(boxes.select(1, 2) + boxes.select(1, 0)) / 2.0, (boxes.select(1, 3) + boxes.select(1, 1)) / 2.0},
                   1);
}
}  // namespace

AnchorTargets atss_assign(const std::vector<at::Tensor>& anchors_per_level, const at::Tensor& gt_boxes,
                          const at::Tensor& gt_labels, const at::Tensor& positive_map, int64_t num_tokens,
                          const BoxCoder& box_coder, const AtssAssignerOptions& options) {
  GLIP_CHECK(!anchors_per_level.empty(), "ATSS: no anchor levels");
  GLIP_CHECK(options.topk > 0 && options.anchors_per_location > 0, "ATSS: topk and anchors_per_location must be > 0");
  auto anchors = at::cat(anchors_per_level, 0);
  const int64_t num_anchors = anchors.size(0);
  const int64_t num_gt = gt_boxes.defined() ? gt_boxes.size(0) : 0;
  GLIP_CHECK(num_gt == 0 || (gt_boxes.dim() == 2 && gt_boxes.size(1) == 4), "ATSS: GT boxes must be [N, 4], got ",
             gt_boxes.sizes());
  GLIP_CHECK(num_gt == 0 || (gt_labels.defined() && gt_labels.dim() == 1 && gt_labels.size(0) == num_gt),
             "ATSS: expected ", num_gt, " GT labels, got ",
             gt_labels.defined() ? gt_labels.sizes() : at::IntArrayRef{});
  int64_t t = num_tokens;
  if (positive_map.defined()) {
    GLIP_CHECK(positive_map.dim() == 2 && positive_map.size(0) == num_gt, "ATSS: positive map must be [", num_gt,
               ", T], got ", positive_map.sizes());
    t = positive_map.size(1);
  }
  GLIP_CHECK(t > 0, "ATSS: the number of tokens must be positive");
  const auto device = anchors.device();
  const auto fopts = anchors.options();
  const auto lopts = fopts.dtype(at::kLong);

  // The "no object" target of unmatched anchors: a 1 in the last token column.
  auto map_opts = positive_map.defined() ? positive_map.options() : fopts;
  auto unmatched = at::zeros({t}, map_opts);
  unmatched[t - 1] = 1;

  AnchorTargets out;
  if (num_gt == 0) {
    out.labels = at::zeros({num_anchors}, lopts);
    out.matched_gt = at::full({num_anchors}, -1, lopts);
    out.reg_targets = at::zeros({num_anchors, 4}, fopts);
    out.token_labels = unmatched.unsqueeze(0).repeat({num_anchors, 1});
    return out;
  }
  auto boxes = gt_boxes.to(device, anchors.scalar_type());

  auto ious = ops::box_iou(anchors, boxes);                                                      // [A, N]
  auto anchor_points = centres(anchors);                                                         // [A, 2]
  auto gt_points = centres(boxes);                                                               // [N, 2]
  auto distances = (anchor_points.unsqueeze(1) - gt_points.unsqueeze(0)).pow(2).sum(-1).sqrt();  // [A, N]

  // Candidates: the k anchors nearest each GT centre on every level.
  std::vector<at::Tensor> candidates;
  int64_t start = 0;
  for (const auto& level : anchors_per_level) {
    const int64_t n = level.size(0);
    const int64_t k = std::min(options.topk * options.anchors_per_location, n);
    if (k > 0) {
      auto idx = std::get<1>(distances.slice(0, start, start + n).topk(k, 0, /*largest=*/false));
      candidates.push_back(idx + start);
    }
    start += n;
  }
  auto cand = at::cat(candidates, 0);  // [K, N]
  auto cand_ious = ious.gather(0, cand);

  // IoU threshold per GT: mean + unbiased std of its candidates' IoUs.
  auto thresh = cand_ious.mean(0) + cand_ious.std(0, /*unbiased=*/true);
  auto is_pos = cand_ious >= thresh.unsqueeze(0);

  // The candidate's centre must lie inside its GT by more than the margin.
  auto cx = anchor_points.select(1, 0).index_select(0, cand.reshape(-1)).view_as(cand);
  auto cy = anchor_points.select(1, 1).index_select(0, cand.reshape(-1)).view_as(cand);
  auto l = cx - boxes.select(1, 0).unsqueeze(0);
  auto tp = cy - boxes.select(1, 1).unsqueeze(0);
  auto r = boxes.select(1, 2).unsqueeze(0) - cx;
  auto b = boxes.select(1, 3).unsqueeze(0) - cy;
  auto inside = std::get<0>(at::stack({l, tp, r, b}, 0).min(0)) > options.inside_margin;
  is_pos = at::logical_and(is_pos, inside);

  // Highest IoU wins among the GTs an anchor is positive for.
  const double neg_inf = -std::numeric_limits<double>::infinity();
  auto ious_inf = at::full_like(ious, neg_inf);
  ious_inf.scatter_(0, cand, at::where(is_pos, cand_ious, at::full_like(cand_ious, neg_inf)));
  auto best = ious_inf.max(1);
  auto best_val = std::get<0>(best);
  auto best_idx = std::get<1>(best);
  auto negative = best_val == neg_inf;

  out.labels = gt_labels.to(device, at::kLong).index_select(0, best_idx).masked_fill(negative, 0);
  out.matched_gt = best_idx.masked_fill(negative, -1);
  out.reg_targets = box_coder.encode(boxes.index_select(0, best_idx), anchors);
  auto rows =
      positive_map.defined() ? positive_map.to(device).index_select(0, best_idx) : at::zeros({num_anchors, t}, fopts);
  out.token_labels = at::where(negative.unsqueeze(1), unmatched.to(device).unsqueeze(0), rows);
  return out;
}

at::Tensor centerness_targets(const at::Tensor& reg_targets, const at::Tensor& anchors, const BoxCoder& box_coder) {
  auto gts = box_coder.decode(reg_targets, anchors);
  auto a = anchors.to(gts.scalar_type());
  auto cx = (a.select(1, 2) + a.select(1, 0)) / 2;
  auto cy = (a.select(1, 3) + a.select(1, 1)) / 2;
  auto lr = at::stack({cx - gts.select(1, 0), gts.select(1, 2) - cx}, 1);
  auto tb = at::stack({cy - gts.select(1, 1), gts.select(1, 3) - cy}, 1);
  return at::sqrt((std::get<0>(lr.min(1)) / std::get<0>(lr.max(1))) *
                  (std::get<0>(tb.min(1)) / std::get<0>(tb.max(1))));
}

}  // namespace glip::modeling
