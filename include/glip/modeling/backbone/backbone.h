/**
 * GLIP's visual backbone: `body` followed by `fpn` (C3..C5 -> P3..P7). conv_body "SWINT-FPN-RETINANET" (every
 * released GLIP model) makes the body a Swin Transformer (stages 2..5); "R-50-FPN-RETINANET" /
 * "R-101-FPN-RETINANET" a maskrcnn_benchmark ResNet (layer1..layer4), with `resnet.stage_blocks` free for small
 * variants. Registered under the name "backbone" in the detector, its keys are `backbone.body.*` and
 * `backbone.fpn.*` exactly as in the official checkpoints.
 */
#pragma once
#include <ATen/ATen.h>
#include <torch/nn/module.h>
#include <torch/nn/pimpl.h>

#include <string>
#include <vector>

#include "glip/modeling/backbone/fpn.h"
#include "glip/modeling/backbone/resnet.h"
#include "glip/modeling/backbone/swin.h"

namespace glip::modeling {

struct BackboneOptions {
  /** MODEL.BACKBONE.CONV_BODY: "SWINT-FPN-RETINANET", "R-50-FPN-RETINANET" or "R-101-FPN-RETINANET". */
  std::string conv_body = "SWINT-FPN-RETINANET";
  SwinOptions swin = SwinOptions::swin_t();
  ResNetOptions resnet = ResNetOptions::r50();  ///< used when conv_body names a ResNet
  /** FPN output channels (MODEL.BACKBONE.OUT_CHANNELS); its in_channels_list comes from the Swin stages. */
  int64_t out_channels = 256;
  bool drop_block = true;
  double drop_prob = 0.3;
  int64_t drop_size = 3;

  static BackboneOptions glip_t();
  static BackboneOptions glip_l();
  /** Small CPU variant: Swin embed `embed_dim`, depths 2-2-2-2, FPN with `out_channels`. */
  static BackboneOptions tiny(int64_t embed_dim = 24, int64_t out_channels = 32);
  bool is_resnet() const { return conv_body != "SWINT-FPN-RETINANET"; }
  /** The FPN options implied by these settings ([0, C3, C4, C5] from the body's stage widths). */
  FPNOptions fpn_options() const;
};

/** Level l of the pyramid: P(l+3), stride 8 * 2^l. */
struct PyramidLevel {
  int64_t channels = 0;
  int64_t stride = 0;
};

class BackboneImpl : public torch::nn::Module {
 public:
  explicit BackboneImpl(const BackboneOptions& options = BackboneOptions::glip_t());
  /** images [B, 3, H, W] -> P3..P7, each [B, out_channels, H_l, W_l]. */
  std::vector<at::Tensor> forward(const at::Tensor& images);
  /** Channels and strides of P3..P7. */
  std::vector<PyramidLevel> levels() const;
  const BackboneOptions& options() const { return options_; }

  /** The registered "body": swin or resnet, whichever conv_body names (the other is null). */
  torch::nn::Module& body() { return swin ? static_cast<torch::nn::Module&>(*swin) : *resnet; }

  SwinTransformer swin{nullptr};
  ResNet resnet{nullptr};
  FPN fpn{nullptr};

 private:
  BackboneOptions options_;
};
TORCH_MODULE(Backbone);

}  // namespace glip::modeling
