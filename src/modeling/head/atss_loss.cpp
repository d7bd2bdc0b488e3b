#include "glip/modeling/head/atss_loss.h"

#include <algorithm>

#include "glip/core/error.h"
#include "glip/modeling/head/loss_functions.h"

namespace glip::modeling {

AtssNormalizers local_normalizers(const AtssLocalStats& stats) {
  return {std::max(static_cast<double>(stats.num_pos), 1.0), stats.centerness_sum};
}

AtssLoss::AtssLoss(AtssLossOptions options) : options_(std::move(options)), box_coder_(options_.box_coder) {}

std::vector<AnchorTargets> AtssLoss::assign(const std::vector<at::Tensor>& anchors,
                                            const std::vector<GroundingTarget>& targets, int64_t num_tokens,
                                            at::Device device) const {
  std::vector<AnchorTargets> out;
  for (size_t i = 0; i < targets.size(); ++i) {
    const auto& t = targets[i];
    const int64_t n = t.boxes.defined() ? t.boxes.size(0) : 0;
    at::Tensor pmap;
    if (n > 0) {
      GLIP_CHECK(t.positive_map.defined() && t.positive_map.dim() == 2 && t.positive_map.size(0) == n &&
                     t.positive_map.size(1) == num_tokens,
                 "ATSS loss: image ", i, " has ", n, " boxes, so its positive map must be [", n, ", ", num_tokens,
                 "], got ", t.positive_map.defined() ? t.positive_map.sizes() : at::IntArrayRef{});
      pmap = t.positive_map.to(device, at::kFloat);
      if (options_.binarize_token_targets) pmap = (pmap > 0).to(at::kFloat);
    }
    out.push_back(atss_assign(anchors, n > 0 ? t.boxes.to(device) : at::Tensor(), n > 0 ? t.labels : at::Tensor(), pmap,
                              num_tokens, box_coder_, options_.assigner));
  }
  return out;
}

namespace {

// The text masks less the tokens a target marks as ignored (GroundingTarget::ignored_tokens), which then leave the
// token loss as padding does; the text masks themselves when no target ignores any.
at::Tensor token_loss_mask(const at::Tensor& text_masks, const std::vector<GroundingTarget>& targets, int64_t batch,
                           int64_t num_tokens) {
  at::Tensor keep;
  for (size_t i = 0; i < targets.size(); ++i) {
    const at::Tensor& ignored = targets[i].ignored_tokens;
    if (!ignored.defined()) continue;
    GLIP_CHECK(ignored.dim() == 1 && ignored.size(0) == num_tokens, "ATSS loss: image ", i,
               "'s ignored tokens must be [", num_tokens, "], got ", ignored.sizes());
    if (!keep.defined())
      keep =
          text_masks.defined() ? (text_masks > 0) : at::ones({batch, num_tokens}, at::TensorOptions().dtype(at::kBool));
    keep[static_cast<int64_t>(i)].logical_and_(ignored.to(keep.device()).logical_not());
  }
  return keep.defined() ? keep : text_masks;
}

// The positives of a batch (anchors of every image concatenated, image-major) and their centerness targets.
struct Positives {
  at::Tensor inds, reg_targets, anchors, ctr_targets;
};

Positives positives_of(const std::vector<AnchorTargets>& assigned, const std::vector<at::Tensor>& anchors,
                       const BoxCoder& box_coder) {
  std::vector<at::Tensor> labels, reg;
  for (const auto& a : assigned) {
    labels.push_back(a.labels);
    reg.push_back(a.reg_targets);
  }
  Positives p;
  p.inds = at::nonzero(at::cat(labels, 0) > 0).view(-1);
  p.reg_targets = at::cat(reg, 0).index_select(0, p.inds);
  p.anchors = at::cat(anchors, 0).repeat({static_cast<int64_t>(assigned.size()), 1}).index_select(0, p.inds);
  p.ctr_targets = centerness_targets(p.reg_targets, p.anchors, box_coder);
  return p;
}

double centerness_sum(const Positives& p) { return p.inds.numel() > 0 ? p.ctr_targets.sum().item<double>() : 0.0; }

}  // namespace

AtssLocalStats AtssLoss::local_stats(const std::vector<at::Tensor>& anchors,
                                     const std::vector<GroundingTarget>& targets, int64_t num_tokens) const {
  GLIP_CHECK(!anchors.empty(), "ATSS loss: no anchors");
  const Positives p = positives_of(assign(anchors, targets, num_tokens, anchors[0].device()), anchors, box_coder_);
  return {p.inds.numel(), centerness_sum(p)};
}

AtssLossOutput AtssLoss::operator()(const HeadOutputs& outputs, const std::vector<at::Tensor>& anchors,
                                    const std::vector<GroundingTarget>& targets, const at::Tensor& text_masks) const {
  const size_t levels = check_head_outputs(outputs, anchors);
  const int64_t batch = outputs.box_regression[0].size(0);
  const int64_t apl = outputs.box_regression[0].size(1) / 4;
  const int64_t num_tokens = outputs.dot_product_logits[0].size(2);
  GLIP_CHECK(static_cast<int64_t>(targets.size()) == batch, "ATSS loss: ", targets.size(), " targets for a batch of ",
             batch, " images");
  GLIP_CHECK(apl == options_.assigner.anchors_per_location, "ATSS loss: the head has ", apl,
             " anchors per location but the assigner expects ", options_.assigner.anchors_per_location);
  const auto device = outputs.box_regression[0].device();

  // Targets per image.
  AtssLossOutput out;
  out.targets = assign(anchors, targets, num_tokens, device);
  std::vector<at::Tensor> labels, token_labels;
  for (const auto& a : out.targets) {
    labels.push_back(a.labels);
    token_labels.push_back(a.token_labels);
  }

  // Predictions flattened to [B, sum_l H*W*A, .], in the anchor order.
  std::vector<at::Tensor> reg_l, ctr_l, dot_l, cls_l;
  for (size_t l = 0; l < levels; ++l) {
    reg_l.push_back(permute_and_flatten(outputs.box_regression[l], apl, 4));
    ctr_l.push_back(permute_and_flatten(outputs.centerness[l], apl, 1));
    dot_l.push_back(outputs.dot_product_logits[l]);
    if (!outputs.box_cls.empty())
      cls_l.push_back(permute_and_flatten(outputs.box_cls[l], apl, outputs.box_cls[l].size(1) / apl));
  }
  auto box_regression = at::cat(reg_l, 1).reshape({-1, 4});
  auto centerness = at::cat(ctr_l, 1).reshape({-1});
  auto dot_product_logits = at::cat(dot_l, 1);
  auto labels_flat = at::cat(labels, 0);

  const Positives pos = positives_of(out.targets, anchors, box_coder_);
  const AtssLocalStats stats{pos.inds.numel(), centerness_sum(pos)};
  // Always called, so processes without positives stay in step with the others in a collective.
  const AtssNormalizers norm = options_.normalizers ? options_.normalizers(stats) : local_normalizers(stats);
  GLIP_CHECK(norm.num_pos > 0, "ATSS loss: the positive-count normaliser must be > 0, got ", norm.num_pos);

  if (!cls_l.empty()) {
    auto box_cls = at::cat(cls_l, 1);
    out.loss_cls = sigmoid_focal_loss(box_cls.reshape({-1, box_cls.size(2)}), labels_flat, options_.focal_gamma,
                                      options_.focal_alpha) /
                   norm.num_pos;
  } else {
    out.loss_cls = at::zeros({}, box_regression.options());
  }

  if (text_masks.defined())
    GLIP_CHECK(text_masks.dim() == 2 && text_masks.size(0) == batch && text_masks.size(1) == num_tokens,
               "ATSS loss: text masks must be [", batch, ", ", num_tokens, "], got ", text_masks.sizes());
  auto token_targets = at::stack(token_labels, 0).to(dot_product_logits.scalar_type());
  out.loss_dot_product_token = token_sigmoid_binary_focal_loss(dot_product_logits, token_targets,
                                                               token_loss_mask(text_masks, targets, batch, num_tokens),
                                                               options_.token_alpha, options_.token_gamma) /
                               norm.num_pos;

  auto pos_reg = box_regression.index_select(0, pos.inds);
  auto pos_ctr = centerness.index_select(0, pos.inds);
  if (stats.num_pos > 0 && norm.centerness_sum > 0) {
    const auto dtype = box_regression.scalar_type();
    auto ctr_targets = pos.ctr_targets.to(dtype);
    auto pos_anchors = pos.anchors.to(dtype);
    auto pred_boxes = box_coder_.decode(pos_reg, pos_anchors);
    auto gt_boxes = box_coder_.decode(pos.reg_targets.to(dtype), pos_anchors);
    out.loss_reg = giou_loss(pred_boxes, gt_boxes, ctr_targets) / norm.centerness_sum * options_.reg_loss_weight;
    out.loss_centerness =
        at::binary_cross_entropy_with_logits(pos_ctr, ctr_targets, {}, {}, at::Reduction::Sum) / norm.num_pos;
  } else {
    // Sums over the (empty) positive selections: zeros that keep the graph to the predictions.
    out.loss_reg = pos_reg.sum() * options_.reg_loss_weight;
    out.loss_centerness = pos_ctr.sum();
  }
  return out;
}

}  // namespace glip::modeling
