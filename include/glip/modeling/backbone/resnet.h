/**
 * ResNet body as maskrcnn_benchmark builds it (modeling/backbone/resnet.py, the "R-50-FPN-RETINANET" family):
 * `stem` (7x7 stride-2 conv1 + bn1 + ReLU + 3x3 stride-2 max pool) and stages `layer1`..`layer4` of Bottleneck
 * blocks (conv1 1x1 / bn1, conv2 3x3 / bn2, conv3 1x1 / bn3, `downsample` = {0: 1x1 conv, 1: norm} where the
 * channel count changes), stride 2 at the first block of layer2..4 (in the 1x1 conv when stride_in_1x1, MSRA's
 * layout). Norms are FrozenBatchNorm2d (StemWithFixedBatchNorm / BottleneckWithFixedBatchNorm, the ImageNet
 * checkpoints' choice) or GroupNorm (StemWithGN / BottleneckWithGN, MODEL.GROUP_NORM.NUM_GROUPS groups, eps
 * 1e-5), both named bn1/bn2/bn3 as in the official state dicts. Convs: kaiming_uniform(a=1), no bias.
 * Returns C2..C5 (all four stages, as ResNet50FPNStagesTo5).
 */
#pragma once
#include <ATen/ATen.h>
#include <torch/nn/module.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/pimpl.h>

#include <string>
#include <vector>

namespace glip::modeling {

struct ResNetOptions {
  /** Bottleneck blocks per stage (R-50: 3-4-6-3, R-101: 3-4-23-3). */
  std::vector<int64_t> stage_blocks{3, 4, 6, 3};
  int64_t stem_out_channels = 64;   ///< MODEL.RESNETS.STEM_OUT_CHANNELS
  int64_t res2_out_channels = 256;  ///< MODEL.RESNETS.RES2_OUT_CHANNELS (doubles per stage)
  int64_t num_groups = 1;           ///< MODEL.RESNETS.NUM_GROUPS (ResNeXt cardinality)
  int64_t width_per_group = 64;     ///< MODEL.RESNETS.WIDTH_PER_GROUP (stage-2 bottleneck = groups x width)
  bool stride_in_1x1 = true;        ///< MODEL.RESNETS.STRIDE_IN_1X1
  /** "FrozenBN" (StemWithFixedBatchNorm) or "GN" (StemWithGN / BottleneckWithGN). */
  std::string norm = "FrozenBN";
  int64_t gn_groups = 16;  ///< MODEL.GROUP_NORM.NUM_GROUPS, for norm "GN"
  /** MODEL.BACKBONE.FREEZE_CONV_BODY_AT: stem (>= 1) and layer1 .. layer(at-1) get requires_grad false. */
  int64_t freeze_at = -1;

  static ResNetOptions r50();
  static ResNetOptions r101();
  /** Small CPU variant: 2 blocks per stage, stem 16, stage-2 bottleneck 16 -> 64 channels, GroupNorm. */
  static ResNetOptions tiny();
  /** Output channels of stage s (0-based: layer1 = 0). */
  int64_t stage_out_channels(size_t s) const { return res2_out_channels << s; }
  void validate() const;
};

/** A norm layer with the official parameter names: FrozenBatchNorm2d (4 buffers) or GroupNorm (weight, bias). */
class Norm2dImpl : public torch::nn::Module {
 public:
  Norm2dImpl(const std::string& kind, int64_t channels, int64_t gn_groups);
  at::Tensor forward(const at::Tensor& x);

 private:
  bool frozen_bn_ = true;
  int64_t groups_ = 1;
  at::Tensor weight_, bias_, running_mean_, running_var_;
};
TORCH_MODULE(Norm2d);

class ResNetStemImpl : public torch::nn::Module {
 public:
  explicit ResNetStemImpl(const ResNetOptions& o);
  at::Tensor forward(const at::Tensor& x);
  torch::nn::Conv2d conv1{nullptr};
  Norm2d bn1{nullptr};
};
TORCH_MODULE(ResNetStem);

class BottleneckImpl : public torch::nn::Module {
 public:
  BottleneckImpl(const ResNetOptions& o, int64_t in_channels, int64_t bottleneck_channels, int64_t out_channels,
                 int64_t stride);
  at::Tensor forward(const at::Tensor& x);
  torch::nn::Conv2d conv1{nullptr}, conv2{nullptr}, conv3{nullptr};
  Norm2d bn1{nullptr}, bn2{nullptr}, bn3{nullptr};
  torch::nn::Sequential downsample{nullptr};  ///< {0: conv, 1: norm}; null when the channels do not change
};
TORCH_MODULE(Bottleneck);

class ResNetImpl : public torch::nn::Module {
 public:
  explicit ResNetImpl(const ResNetOptions& options = ResNetOptions::r50());
  /** images [B, 3, H, W] -> C2..C5 (strides 4, 8, 16, 32). */
  std::vector<at::Tensor> forward(const at::Tensor& images);
  const ResNetOptions& options() const { return options_; }

  ResNetStem stem{nullptr};
  std::vector<torch::nn::Sequential> layers;  ///< layer1 .. layer4

 private:
  ResNetOptions options_;
};
TORCH_MODULE(ResNet);

}  // namespace glip::modeling
