#include "glip/modeling/head/loss_functions.h"

#include "glip/core/error.h"

namespace glip::modeling {
namespace {
// Far beyond any real logit (the head clamps at +-50000), yet small enough that no intermediate of the
// focal-loss backward overflows to inf (which would turn inf * 0 into NaN for logits near FLT_MAX).
constexpr double kLogitLimit = 1e30;
}  // namespace

at::Tensor sigmoid_focal_loss(const at::Tensor& logits, const at::Tensor& labels, double gamma, double alpha) {
  GLIP_CHECK(logits.dim() == 2, "sigmoid_focal_loss: logits must be [N, C], got ", logits.sizes());
  GLIP_CHECK(labels.dim() == 1 && labels.size(0) == logits.size(0), "sigmoid_focal_loss: expected labels [",
             logits.size(0), "], got ", labels.sizes());
  const int64_t c = logits.size(1);
  auto t = labels.to(logits.device(), at::kLong).unsqueeze(1);
  auto classes = at::arange(1, c + 1, t.options()).unsqueeze(0);
  auto pos = (t == classes).to(logits.scalar_type());
  auto neg = at::logical_and(t != classes, t >= 0).to(logits.scalar_type());
  auto x = logits.clamp(-kLogitLimit, kLogitLimit);
  auto p = at::sigmoid(x);
  // log p = logsigmoid(x), log(1 - p) = logsigmoid(-x): finite for any finite logit.
  auto term1 = at::pow(1 - p, gamma) * at::log_sigmoid(x);
  auto term2 = at::pow(p, gamma) * at::log_sigmoid(-x);
  return (-pos * term1 * alpha - neg * term2 * (1 - alpha)).sum();
}

at::Tensor token_sigmoid_binary_focal_loss(const at::Tensor& logits, const at::Tensor& targets,
                                           const at::Tensor& text_mask, double alpha, double gamma) {
  GLIP_CHECK(logits.dim() == 3 && targets.sizes() == logits.sizes(), "token focal loss: logits ", logits.sizes(),
             " and targets ", targets.sizes(), " must both be [B, A, T]");
  auto x = logits.clamp(-kLogitLimit, kLogitLimit);
  auto y = targets.to(logits.scalar_type());
  if (text_mask.defined()) {
    GLIP_CHECK(text_mask.dim() == 2 && text_mask.size(0) == logits.size(0) && text_mask.size(1) == logits.size(2),
               "token focal loss: text mask must be [", logits.size(0), ", ", logits.size(2), "], got ",
               text_mask.sizes());
    auto m = (text_mask.to(logits.device()) > 0).unsqueeze(1).expand_as(logits);
    x = x.masked_select(m);
    y = y.masked_select(m);
  }
  auto p = at::sigmoid(x);
  auto ce = at::binary_cross_entropy_with_logits(x, y, {}, {}, at::Reduction::None);
  auto p_t = p * y + (1 - p) * (1 - y);
  auto loss = ce * at::pow(1 - p_t, gamma);
  if (alpha >= 0) loss = (alpha * y + (1 - alpha) * (1 - y)) * loss;
  return loss.sum();
}

at::Tensor giou_loss(const at::Tensor& pred_boxes, const at::Tensor& target_boxes, const at::Tensor& weight) {
  GLIP_CHECK(pred_boxes.dim() == 2 && pred_boxes.size(1) == 4 && target_boxes.sizes() == pred_boxes.sizes(),
             "giou_loss: expected two [P, 4] box sets, got ", pred_boxes.sizes(), " and ", target_boxes.sizes());
  auto px1 = pred_boxes.select(1, 0), py1 = pred_boxes.select(1, 1);
  auto px2 = at::max(px1, pred_boxes.select(1, 2)), py2 = at::max(py1, pred_boxes.select(1, 3));
  auto tx1 = target_boxes.select(1, 0), ty1 = target_boxes.select(1, 1);
  auto tx2 = target_boxes.select(1, 2), ty2 = target_boxes.select(1, 3);
  auto pred_area = (px2 - px1) * (py2 - py1);
  auto target_area = (tx2 - tx1) * (ty2 - ty1);

  auto ix1 = at::max(px1, tx1), iy1 = at::max(py1, ty1), ix2 = at::min(px2, tx2), iy2 = at::min(py2, ty2);
  auto overlaps = at::logical_and(iy2 > iy1, ix2 > ix1);
  auto inter = at::where(overlaps, (ix2 - ix1) * (iy2 - iy1), at::zeros_like(px1));

  auto ex1 = at::min(px1, tx1), ey1 = at::min(py1, ty1), ex2 = at::max(px2, tx2), ey2 = at::max(py2, ty2);
  auto enclosing = (ex2 - ex1) * (ey2 - ey1) + 1e-7;
  auto uni = pred_area + target_area - inter + 1e-7;
  auto gious = inter / uni - (enclosing - uni) / enclosing;
  auto losses = 1 - gious;
  if (weight.defined() && weight.numel() > 0 && weight.sum().item<double>() > 0) return (losses * weight).sum();
  return losses.sum();
}

}  // namespace glip::modeling
