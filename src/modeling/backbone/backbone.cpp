// Swin or ResNet body + FPN visual backbone ("SWINT-FPN-RETINANET", "R-50-FPN-RETINANET").
#include "glip/modeling/backbone/backbone.h"

#include "glip/core/error.h"

namespace glip::modeling {

BackboneOptions BackboneOptions::glip_t() { return BackboneOptions{}; }

BackboneOptions BackboneOptions::glip_l() {
  BackboneOptions o;
  o.swin = SwinOptions::swin_l();
  return o;
}

BackboneOptions BackboneOptions::tiny(int64_t embed_dim, int64_t out_channels) {
  BackboneOptions o;
  o.swin = SwinOptions::tiny(embed_dim);
  o.out_channels = out_channels;
  return o;
}

FPNOptions BackboneOptions::fpn_options() const {
  FPNOptions f;
  if (is_resnet()) {
    GLIP_CHECK_INPUT(conv_body == "R-50-FPN-RETINANET" || conv_body == "R-101-FPN-RETINANET",
                     "backbone options: conv_body '", conv_body,
                     "' is not one of SWINT-FPN-RETINANET|R-50-FPN-RETINANET|R-101-FPN-RETINANET");
    f.in_channels_list = {0, resnet.stage_out_channels(1), resnet.stage_out_channels(2), resnet.stage_out_channels(3)};
  } else {
    GLIP_CHECK_INPUT(swin.depths.size() == 4 && swin.out_features.size() == 4,
                     "backbone options: the Swin-FPN-RetinaNet layout needs 4 Swin stages, all returned");
    f.in_channels_list = {0, swin.embed_dim * 2, swin.embed_dim * 4, swin.embed_dim * 8};
  }
  f.out_channels = out_channels;
  f.drop_block = drop_block;
  f.drop_prob = drop_prob;
  f.drop_size = drop_size;
  return f;
}

BackboneImpl::BackboneImpl(const BackboneOptions& options) : options_(options) {
  const FPNOptions fpn_options = options_.fpn_options();  // validates conv_body first
  if (options_.is_resnet()) {
    resnet = register_module("body", ResNet(options_.resnet));
  } else {
    swin = register_module("body", SwinTransformer(options_.swin));
  }
  fpn = register_module("fpn", FPN(fpn_options));
}

std::vector<at::Tensor> BackboneImpl::forward(const at::Tensor& images) {
  return fpn(swin ? swin(images) : resnet(images));
}

std::vector<PyramidLevel> BackboneImpl::levels() const {
  std::vector<PyramidLevel> out;
  for (int64_t l = 0; l < 5; ++l) out.push_back({options_.out_channels, int64_t{8} << l});
  return out;
}

}  // namespace glip::modeling
