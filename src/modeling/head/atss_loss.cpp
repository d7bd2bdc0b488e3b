#include "glip/modeling/head/atss_loss.h"

#include <algorithm>

#include "glip/core/error.h"
#include "glip/modeling/head/loss_functions.h"

namespace glip::modeling {

AtssLoss::AtssLoss(AtssLossOptions options) : options_(std::move(options)), box_coder_(options_.box_coder) {
  GLIP_CHECK(options_.world_size >= 1, "ATSS loss: world_size must be >= 1, got ", options_.world_size);
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
  std::vector<at::Tensor> labels, reg_targets, token_labels;
  for (int64_t i = 0; i < batch; ++i) {
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
    auto a = atss_assign(anchors, n > 0 ? t.boxes.to(device) : at::Tensor(), n > 0 ? t.labels : at::Tensor(), pmap,
                         num_tokens, box_coder_, options_.assigner);
    labels.push_back(a.labels);
    reg_targets.push_back(a.reg_targets);
    token_labels.push_back(a.token_labels);
    out.targets.push_back(std::move(a));
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
  auto reg_targets_flat = at::cat(reg_targets, 0).to(box_regression.scalar_type());
  auto anchors_one = at::cat(anchors, 0);
  auto anchors_flat = anchors_one.repeat({batch, 1});

  auto reduce = [&](double v) { return options_.all_reduce_sum ? options_.all_reduce_sum(v) : v; };
  const double world = static_cast<double>(options_.world_size);

  auto pos_inds = at::nonzero(labels_flat > 0).view(-1);
  const int64_t local_pos = pos_inds.numel();
  const double total_pos = reduce(static_cast<double>(local_pos));
  const double num_pos_avg = std::max(total_pos / world, 1.0);

  if (!cls_l.empty()) {
    auto box_cls = at::cat(cls_l, 1);
    out.loss_cls = sigmoid_focal_loss(box_cls.reshape({-1, box_cls.size(2)}), labels_flat, options_.focal_gamma,
                                      options_.focal_alpha) /
                   num_pos_avg;
  } else {
    out.loss_cls = at::zeros({}, box_regression.options());
  }

  if (text_masks.defined())
    GLIP_CHECK(text_masks.dim() == 2 && text_masks.size(0) == batch && text_masks.size(1) == num_tokens,
               "ATSS loss: text masks must be [", batch, ", ", num_tokens, "], got ", text_masks.sizes());
  auto token_targets = at::stack(token_labels, 0).to(dot_product_logits.scalar_type());
  out.loss_dot_product_token = token_sigmoid_binary_focal_loss(dot_product_logits, token_targets, text_masks,
                                                               options_.token_alpha, options_.token_gamma) /
                               num_pos_avg;

  auto pos_reg = box_regression.index_select(0, pos_inds);
  auto pos_reg_targets = reg_targets_flat.index_select(0, pos_inds);
  auto pos_anchors = anchors_flat.index_select(0, pos_inds);
  auto pos_ctr = centerness.index_select(0, pos_inds);
  auto ctr_targets = centerness_targets(pos_reg_targets, pos_anchors, box_coder_);
  // Always reduce, so processes without positives stay in step with the others.
  const double sum_ctr_avg = reduce(local_pos > 0 ? ctr_targets.sum().item<double>() : 0.0) / world;

  if (local_pos > 0 && sum_ctr_avg > 0) {
    auto pred_boxes = box_coder_.decode(pos_reg, pos_anchors);
    auto gt_boxes = box_coder_.decode(pos_reg_targets, pos_anchors);
    out.loss_reg = giou_loss(pred_boxes, gt_boxes, ctr_targets) / sum_ctr_avg * options_.reg_loss_weight;
    out.loss_centerness =
        at::binary_cross_entropy_with_logits(pos_ctr, ctr_targets, {}, {}, at::Reduction::Sum) / num_pos_avg;
  } else {
    // Sums over the (empty) positive selections: zeros that keep the graph to the predictions.
    out.loss_reg = pos_reg.sum() * options_.reg_loss_weight;
    out.loss_centerness = pos_ctr.sum();
  }
  return out;
}

}  // namespace glip::modeling
