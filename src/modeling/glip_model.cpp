#include "glip/modeling/glip_model.h"

#include "glip/core/error.h"

namespace glip::modeling {

GlipModelOptions GlipModelOptions::glip_t() {
  GlipModelOptions o;
  o.backbone = BackboneOptions::glip_t();
  o.head.num_convs = 6;
  o.finalize();
  return o;
}

GlipModelOptions GlipModelOptions::glip_t_a() {
  GlipModelOptions o = glip_t();
  o.head.early_fuse = false;
  o.head.use_fused_features_dot_product = false;
  o.finalize();
  return o;
}

GlipModelOptions GlipModelOptions::glip_l() {
  GlipModelOptions o;
  o.backbone = BackboneOptions::glip_l();
  o.head.num_convs = 8;
  o.finalize();
  return o;
}

GlipModelOptions GlipModelOptions::tiny(bool fused) {
  GlipModelOptions o;
  o.backbone = BackboneOptions::tiny(24, 32);
  o.language.bert.hidden_size = 64;
  o.language.bert.num_layers = 2;
  o.language.bert.num_heads = 4;
  o.language.bert.intermediate_size = 128;
  o.head.channels = 32;
  o.head.num_convs = 2;
  o.head.fusion.embed_dim = 128;
  o.head.fusion.num_heads = 4;
  o.head.early_fuse = fused;
  o.head.use_fused_features_dot_product = fused;
  o.finalize();
  return o;
}

void GlipModelOptions::finalize() {
  language.bert.validate();
  head.in_channels = backbone.out_channels;
  head.fusion.v_dim = head.channels;
  head.fusion.l_dim = language.bert.hidden_size;
  head.tower_bert.bert = language.bert;
  // The tower's BertEncoderLayer: CLAMP_BERTATTN_MIN/MAX (on in every released config); FFN clamps always.
  head.tower_bert.clamp_attention_min = head.tower_bert.clamp_attention_max = true;
  head.tower_bert.clamp_ffn = true;
  head.num_anchors = static_cast<int64_t>(anchors.aspect_ratios.size()) * anchors.scales_per_octave;
  loss.assigner.anchors_per_location = head.num_anchors;
  GLIP_CHECK_INPUT(anchors.strides.size() == 5 && anchors.sizes.size() == 5,
                   "model: the head has 5 pyramid levels but the anchor generator has ", anchors.strides.size(),
                   " strides and ", anchors.sizes.size(), " sizes");
  head.validate();
}

VLDyHeadModuleImpl::VLDyHeadModuleImpl(const GlipModelOptions& o) {
  head = register_module("head", VLDyHead(o.head));
  anchor_generator = register_module("anchor_generator", AnchorGenerator(o.anchors));
  if (o.add_linear_layer) {
    tunable_linear = register_module("tunable_linear",
                                     modeling::Linear(torch::nn::LinearOptions(o.head.lang_dim(), 1000).bias(false)));
    torch::NoGradGuard g;
    tunable_linear->weight.zero_();
  }
}

VLDyHeadResult VLDyHeadModuleImpl::forward(const std::vector<at::Tensor>& levels, LanguageFeatures lang) {
  if (!tunable_linear.is_empty()) {
    const int64_t T = lang.embedded.size(1);
    GLIP_CHECK_INPUT(T <= tunable_linear->weight.size(0), "prompt tuning: text length ", T, " exceeds ",
                     tunable_linear->weight.size(0));
    // Official layout: weight is [1000, lang_dim] and its first T rows are added to every caption.
    auto offs = tunable_linear->weight.narrow(0, 0, T).unsqueeze(0);
    lang.embedded = lang.embedded + offs;
    lang.hidden = lang.hidden + offs;
  }
  return head(levels, lang);
}

GlipModelImpl::GlipModelImpl(GlipModelOptions o)
    : options_((o.finalize(), std::move(o))), loss_(options_.loss), postprocessor_(options_.postprocess) {
  backbone = register_module("backbone", Backbone(options_.backbone));
  language_backbone = register_module("language_backbone", LanguageBackbone(options_.language));
  rpn = register_module("rpn", VLDyHeadModule(options_));
}

GlipOutput GlipModelImpl::forward(const ImageBatch& images, const TextBatch& text,
                                  const std::vector<GroundingTarget>& targets,
                                  const std::vector<LabelToTokens>& label_to_tokens) {
  GLIP_CHECK_INPUT(images.images.defined() && images.images.dim() == 4 && images.images.size(1) == 3,
                   "model: images must be [B, 3, H, W]");
  return forward_features(visual_features(images.images), images.image_sizes, text, targets, label_to_tokens);
}

std::vector<at::Tensor> GlipModelImpl::visual_features(const at::Tensor& images) {
  GLIP_CHECK_INPUT(images.defined() && images.dim() == 4 && images.size(1) == 3, "model: images must be [B, 3, H, W]");
  return backbone(images);
}

GlipOutput GlipModelImpl::forward_features(const std::vector<at::Tensor>& levels,
                                           const std::vector<std::array<int64_t, 2>>& image_sizes,
                                           const TextBatch& text, const std::vector<GroundingTarget>& targets,
                                           const std::vector<LabelToTokens>& label_to_tokens) {
  GLIP_CHECK_INPUT(!levels.empty() && levels[0].dim() == 4, "model: expected P3..P7 feature maps");
  const int64_t B = levels[0].size(0);
  GLIP_CHECK_INPUT(static_cast<int64_t>(image_sizes.size()) == B, "model: ", B, " images but ", image_sizes.size(),
                   " image sizes");
  const int64_t nt = text.input_ids.defined() ? text.input_ids.size(0) : 0;
  GLIP_CHECK_INPUT(nt == B || nt == 1, "model: ", B, " images but the text batch has ", nt, " captions");
  TextBatch tb = text;
  if (nt == 1 && B > 1) {
    tb.input_ids = text.input_ids.expand({B, -1}).contiguous();
    tb.attention_mask = text.attention_mask.expand({B, -1}).contiguous();
    tb.token_type_ids =
        text.token_type_ids.defined() ? text.token_type_ids.expand({B, -1}).contiguous() : text.token_type_ids;
  }
  auto lang = language_backbone(tb);
  auto r = rpn(levels, lang);
  GlipOutput out;
  out.head = std::move(r.outputs);
  out.fused_hidden = r.fused_hidden;
  out.anchors = rpn->anchor_generator->forward(levels);
  if (is_training()) {
    GLIP_CHECK_INPUT(static_cast<int64_t>(targets.size()) == B, "model: training needs one target per image (", B,
                     "), got ", targets.size());
    out.losses = compute_losses(out, targets, tb.attention_mask);
  } else if (!label_to_tokens.empty()) {
    out.detections = postprocessor_(out.head, out.anchors, image_sizes, label_to_tokens);
  }
  return out;
}

AtssLocalStats GlipModelImpl::loss_stats(const at::Tensor& images, int64_t num_tokens,
                                         const std::vector<GroundingTarget>& targets) const {
  GLIP_CHECK_INPUT(images.defined() && images.dim() == 4, "model: images must be [B, 3, H, W]");
  std::vector<std::array<int64_t, 2>> grids;
  for (int64_t s : options_.anchors.strides)
    grids.push_back({(images.size(2) + s - 1) / s, (images.size(3) + s - 1) / s});
  return loss_.local_stats(rpn->anchor_generator->forward(grids), targets, num_tokens);
}

void GlipModelImpl::set_detections_per_image(int64_t n) {
  AtssPostProcessorOptions o = postprocessor_.options();
  o.detections_per_image = n;
  postprocessor_ = AtssPostProcessor(o);
}

std::map<std::string, at::Tensor> GlipModelImpl::compute_losses(const GlipOutput& out,
                                                                const std::vector<GroundingTarget>& targets,
                                                                const at::Tensor& text_masks) const {
  auto l = loss_(out.head, out.anchors, targets, text_masks);
  std::map<std::string, at::Tensor> losses;
  losses["loss_reg"] = l.loss_reg;
  losses["loss_centerness"] = l.loss_centerness;
  losses["loss_cls"] = options_.use_classification_loss ? l.loss_cls : l.loss_cls * 0.0;
  losses["loss_dot_product_token"] = l.loss_dot_product_token * options_.dot_product_token_loss_weight;
  return losses;
}

}  // namespace glip::modeling
