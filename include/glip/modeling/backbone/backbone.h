/**
 * GLIP's visual backbone "SWINT-FPN-RETINANET": `body` (Swin Transformer, stages 2..5) followed by `fpn`
 * (C3..C5 -> P3..P7). Registered under the name "backbone" in the detector, its keys are `backbone.body.*` and
 * `backbone.fpn.*` exactly as in the official checkpoints.
 */
#pragma once
#include <ATen/ATen.h>
#include <torch/nn/module.h>
#include <torch/nn/pimpl.h>

#include <vector>

#include "glip/modeling/backbone/fpn.h"
#include "glip/modeling/backbone/swin.h"

namespace glip::modeling {

struct BackboneOptions {
  SwinOptions swin = SwinOptions::swin_t();
  /** FPN output channels (MODEL.BACKBONE.OUT_CHANNELS); its in_channels_list comes from the Swin stages. */
  int64_t out_channels = 256;
  bool drop_block = true;
  double drop_prob = 0.3;
  int64_t drop_size = 3;

  static BackboneOptions glip_t();
  static BackboneOptions glip_l();
  /** Small CPU variant: Swin embed `embed_dim`, depths 2-2-2-2, FPN with `out_channels`. */
  static BackboneOptions tiny(int64_t embed_dim = 24, int64_t out_channels = 32);
  /** The FPN options implied by these settings ([0, C3, C4, C5] from the Swin stage widths). */
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

  SwinTransformer body{nullptr};
  FPN fpn{nullptr};

 private:
  BackboneOptions options_;
};
TORCH_MODULE(Backbone);

}  // namespace glip::modeling
