#include "glip/modeling/head/vl_dyhead.h"

#include <cmath>

#include "glip/core/error.h"
#include "glip/modeling/fp16_clamp.h"
#include "glip/ops/gemm.h"

namespace glip::modeling {

void VLDyHeadOptions::validate() const {
  GLIP_CHECK_INPUT(in_channels > 0 && channels > 0 && num_convs >= 1 && num_classes > 0 && num_anchors > 0,
                   "VLDyHead: in_channels ", in_channels, ", channels ", channels, ", num_convs ", num_convs,
                   ", num_classes ", num_classes, ", num_anchors ", num_anchors, " must all be positive");
  GLIP_CHECK_INPUT(prior_prob > 0.0 && prior_prob < 1.0, "VLDyHead: prior_prob ", prior_prob, " not in (0, 1)");
  if (early_fuse) {
    GLIP_CHECK_INPUT(fusion.v_dim == channels && fusion.v_dim == in_channels,
                     "VLDyHead: fusion v_dim (JOINT_EMB_SIZE) ", fusion.v_dim, " must equal the channels ", channels,
                     " and in_channels ", in_channels);
    GLIP_CHECK_INPUT(tower_bert.bert.hidden_size == fusion.l_dim, "VLDyHead: tower BERT hidden size ",
                     tower_bert.bert.hidden_size, " must equal LANG_DIM ", fusion.l_dim);
  }
}

ScaleImpl::ScaleImpl(double init) { scale = register_parameter("scale", torch::full({1}, init)); }

VLDyHeadImpl::VLDyHeadImpl(VLDyHeadOptions o) : options_(std::move(o)) {
  auto& opt = options_;
  opt.validate();
  opt.fusion.init_gamma = 1.0 / static_cast<double>(opt.num_convs);
  dyhead_tower = register_module("dyhead_tower", torch::nn::ModuleList());
  for (int64_t i = 0; i < opt.num_convs; ++i) {
    if (opt.early_fuse) {
      dyhead_tower->push_back(VLFuse(opt.fusion));
      if (i < opt.num_convs - 1 || opt.use_fused_features_dot_product) {
        dyhead_tower->push_back(BertLayer(opt.tower_bert));
      } else {
        dyhead_tower->push_back(DummyLayer());
      }
    }
    DyConvOptions d = opt.dyconv;
    d.in_channels = i == 0 ? opt.in_channels : opt.channels;
    d.out_channels = opt.channels;
    if (i == 0 && opt.in_channels != opt.channels) d.use_dyrelu = d.use_dyfuse = d.use_deform = false;
    dyhead_tower->push_back(DyConv(d));
  }
  const int64_t A = opt.num_anchors, C = opt.channels;
  auto conv1x1 = [](int64_t in, int64_t out) { return torch::nn::Conv2d(torch::nn::Conv2dOptions(in, out, 1)); };
  cls_logits = register_module("cls_logits", conv1x1(C, A * opt.num_classes));
  bbox_pred = register_module("bbox_pred", conv1x1(C, A * 4));
  centerness = register_module("centerness", conv1x1(C, A));
  const double bias_value = -std::log((1.0 - opt.prior_prob) / opt.prior_prob);
  dot_product_projection_text = register_module("dot_product_projection_text", modeling::Linear(opt.lang_dim(), A * C));
  log_scale = register_parameter("log_scale", torch::full({1}, opt.log_scale));
  bias_lang = register_parameter("bias_lang", torch::zeros({opt.lang_dim()}));
  bias0 = register_parameter("bias0", torch::full({1}, bias_value));
  {
    torch::NoGradGuard g;
    for (auto* c : {&cls_logits, &bbox_pred, &centerness}) {
      (*c)->weight.normal_(0.0, 0.01);
      (*c)->bias.zero_();
    }
    cls_logits->bias.fill_(bias_value);
  }
  scales = register_module("scales", torch::nn::ModuleList());
  for (int i = 0; i < 5; ++i) scales->push_back(Scale(1.0));
}

VLDyHeadResult VLDyHeadImpl::forward(const std::vector<at::Tensor>& levels, const LanguageFeatures& lang) {
  GLIP_CHECK_INPUT(levels.size() == scales->size(), "VLDyHead: expected ", scales->size(), " levels, got ",
                   levels.size());
  std::vector<at::Tensor> visual = levels;
  at::Tensor hidden = lang.hidden;
  at::Tensor ext_mask;  // the tower's BertEncoderLayers share one additive mask
  for (const auto& m : *dyhead_tower) {
    if (auto* fuse = m->as<VLFuseImpl>()) {
      std::tie(visual, hidden) = fuse->forward(visual, hidden, lang.masks);
    } else if (auto* layer = m->as<BertLayerImpl>()) {
      if (!ext_mask.defined()) ext_mask = extended_attention_mask(lang.masks, hidden);
      hidden = layer->forward_extended(hidden, ext_mask);
    } else if (auto* dy = m->as<DyConvImpl>()) {
      visual = dy->forward(visual);
    }
  }
  VLDyHeadResult r;
  r.fused_hidden = hidden;
  const at::Tensor& text = options_.use_fused_features_dot_product ? hidden : lang.embedded;
  auto e = torch::nn::functional::normalize(text, torch::nn::functional::NormalizeFuncOptions().p(2).dim(-1));
  auto proj = dot_product_projection_text(e / 2.0);  // [B, T, A*C]
  auto tok_bias = at::matmul(e, bias_lang) + bias0;  // [B, T]
  auto logit_scale = at::exp(log_scale);
  for (size_t l = 0; l < visual.size(); ++l) {
    const auto& x = visual[l];
    r.outputs.box_cls.push_back(cls_logits(x));
    r.outputs.box_regression.push_back(scales[l]->as<ScaleImpl>()->forward(bbox_pred(x)));
    r.outputs.centerness.push_back(centerness(x));
    // Upstream flattens with all channels as one anchor: [B, HW, C] (a strided view, no copy).
    auto q = permute_and_flatten(x, 1, x.size(1));
    auto logit = ops::matmul(q, proj.transpose(1, 2)) / logit_scale + tok_bias.unsqueeze(1);
    if (options_.clamp_dot_product) logit = clamp_pm(logit);
    r.outputs.dot_product_logits.push_back(logit);
  }
  return r;
}

}  // namespace glip::modeling
