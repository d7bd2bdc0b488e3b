/**
 * Feature pyramid as GLIP builds it (maskrcnn_benchmark/modeling/backbone/fpn.py, FPN + LastLevelP6P7 via
 * build_retinanet_swint_fpn_backbone): lateral 1x1 convs `fpn_inner{i}` and 3x3 output convs `fpn_layer{i}`
 * for every non-zero entry i (1-based) of in_channels_list (GLIP: [0, C3, C4, C5] -> fpn_inner2..4), a
 * top-down path with nearest interpolation to the lateral's size, DropBlock2D on the merged map before
 * fpn_layer (training only), then P6 = top_blocks.p6(P5 if in == out channels else C5) and
 * P7 = top_blocks.p7(ReLU(P6)), both 3x3 stride 2. Convs: kaiming_uniform(a=1), zero bias (no GN, no ReLU).
 */
#pragma once
#include <ATen/ATen.h>
#include <torch/nn/module.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/pimpl.h>

#include <vector>

namespace glip::modeling {

struct FPNOptions {
  /** Input channels per backbone level (finest first); 0 = level not used (its input is ignored). */
  std::vector<int64_t> in_channels_list{0, 192, 384, 768};
  int64_t out_channels = 256;
  /** Append P6/P7 (LastLevelP6P7). */
  bool top_blocks = true;
  /** DropBlock2D before each top-down fpn_layer (training only): MODEL.FPN.DROP_BLOCK / DROP_PROB / DROP_SIZE. */
  bool drop_block = true;
  double drop_prob = 0.3;
  int64_t drop_size = 3;
  void validate() const;
};

/**
 * DropBlock (Ghiasi et al. 2018) exactly as maskrcnn_benchmark's DropBlock2D: seeds with probability
 * drop_prob / block^2 per (image, position), grown to block x block by max-pooling, shared across channels,
 * output rescaled by numel / kept. Identity in eval mode or when drop_prob is 0.
 */
at::Tensor drop_block_2d(const at::Tensor& x, double drop_prob, int64_t block_size, bool training);

class FPNImpl : public torch::nn::Module {
 public:
  explicit FPNImpl(const FPNOptions& options = {});
  /** features: one map per in_channels_list entry (finest first). Returns P3..P7 (finest first). */
  std::vector<at::Tensor> forward(const std::vector<at::Tensor>& features);
  const FPNOptions& options() const { return options_; }

  std::vector<torch::nn::Conv2d> inner_blocks, layer_blocks;  // for used levels, finest first
  torch::nn::Conv2d p6{nullptr}, p7{nullptr};

 private:
  FPNOptions options_;
  std::vector<size_t> used_levels_;
  bool use_p5_ = true;
};
TORCH_MODULE(FPN);

}  // namespace glip::modeling
