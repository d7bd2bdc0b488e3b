/**
 * The DyHead block of GLIP's VLDyHead tower (maskrcnn_benchmark/modeling/rpn/vldyhead.py `DyConv`, with
 * `Conv3x3Norm`, `h_sigmoid` and layers/dyrelu.py `DYReLU`). Parameter names equal the official keys under
 * `rpn.head.dyhead_tower.K.`: `DyConv.{0,1,2}.conv.{weight,bias}`, `DyConv.{0,1,2}.bn.{weight,bias}`,
 * `AttnConv.1.{weight,bias}`, `relu.fc.{0,2}.{weight,bias}` and `offset.{weight,bias}`.
 *
 * For every level l (feature F_l, finest first):
 *   om = offset(F_l) (3x3 conv, 27 channels); offset = om[:, :18]; mask = sigmoid(om[:, 18:])
 *   t = [ DyConv[1](F_l) ]                                              stride 1, same level
 *       + [ DyConv[2](F_{l-1}) ]              if l > 0                   stride 2 on the finer level
 *       + [ upsample_bilinear(DyConv[0](F_{l+1}), size of F_l, align_corners=True) ]   if l < last
 *   all three convs use level l's offset and mask. The coarser-level conv (DyConv[0] on F_{l+1}) has an output
 *   smaller than the offset map; like the official CUDA op it reads each image's offsets/mask with the OUTPUT's
 *   sizes, i.e. channel c is the c-th run of Ho*Wo consecutive values of the image's (flattened) offsets, which
 *   wraps across rows of the larger map (see glip/ops/deform_conv.h and tests/data/glip_parity/README.md).
 *   Scale-aware attention: out_l = mean_i(t_i * h_sigmoid(AttnConv(t_i))), AttnConv = avgpool -> 1x1 conv to
 *   1 channel -> ReLU; without use_dyfuse: out_l = mean_i(t_i).
 *   Task-aware activation: DYReLU (use_dyrelu) or ReLU.
 * Each DyConv[i] is a Conv3x3Norm: 3x3 pad 1 conv (modulated deformable when use_deform, else a plain conv)
 * followed by GroupNorm(gn_groups) (none when gn_groups == 0).
 *
 * Initialisation follows the official constructors (deformable convs: uniform(+-1/sqrt(C*9)), zero bias; plain
 * DyConv convs and AttnConv: N(0, 0.01), zero bias; offset conv: PyTorch default). VLDyHead re-initialises
 * the tower's nn.Conv2d layers afterwards; that is the tower's job.
 */
#pragma once
#include <ATen/ATen.h>
#include <torch/nn/module.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/normalization.h>
#include <torch/nn/pimpl.h>

#include <vector>

#include "glip/modeling/linear.h"

namespace glip::modeling {

/** Hard sigmoid: relu6(x + 3) * h_max / 6. */
at::Tensor h_sigmoid(const at::Tensor& x, double h_max = 1.0);

/** Modulated deformable 3x3 (or k x k) convolution with learnable weight [O, C, k, k] and bias [O]. */
class ModulatedDeformConvImpl : public torch::nn::Module {
 public:
  ModulatedDeformConvImpl(int64_t in_channels, int64_t out_channels, int64_t kernel_size = 3, int64_t stride = 1,
                          int64_t padding = 1, bool bias = true);
  /** offset [N, 2k^2, h, w], mask [N, k^2, h, w] (sigmoid-ed), read as glip::ops::modulated_deform_conv2d. */
  at::Tensor forward(const at::Tensor& x, const at::Tensor& offset, const at::Tensor& mask);
  at::Tensor weight, bias;
  int64_t stride, padding;
};
TORCH_MODULE(ModulatedDeformConv);

struct Conv3x3NormOptions {
  int64_t in_channels = 256, out_channels = 256, stride = 1;
  bool deformable = true;
  /** GroupNorm groups after the conv; 0 = no norm. */
  int64_t gn_groups = 16;
};

/** Official Conv3x3Norm: `conv` (deformable or plain, 3x3 pad 1) then `bn` (GroupNorm). */
class Conv3x3NormImpl : public torch::nn::Module {
 public:
  explicit Conv3x3NormImpl(const Conv3x3NormOptions& options);
  /** offset/mask are required for the deformable conv and must be undefined for the plain one. */
  at::Tensor forward(const at::Tensor& x, const at::Tensor& offset = {}, const at::Tensor& mask = {});
  /** The conv alone (before the norm). */
  at::Tensor conv_forward(const at::Tensor& x, const at::Tensor& offset = {}, const at::Tensor& mask = {});

  ModulatedDeformConv deform_conv{nullptr};  // registered as "conv" when deformable
  torch::nn::Conv2d plain_conv{nullptr};     // registered as "conv" otherwise
  torch::nn::GroupNorm bn{nullptr};
};
TORCH_MODULE(Conv3x3Norm);

struct DYReLUOptions {
  int64_t in_channels = 256, out_channels = 256, reduction = 4;
  double lambda_a = 1.0;
  bool k2 = true, use_bias = true;
  double init_a[2] = {1.0, 0.0};
  double init_b[2] = {0.0, 0.0};
};

/**
 * Dynamic ReLU (layers/dyrelu.py DYReLU, no spatial branch): y = fc(avgpool(x)) -> coefficients; with K2 and
 * bias (GLIP): out = max(x*a1 + b1, x*a2 + b2), a1 = (y1-0.5)*2*lambda_a + 1, a2 = (y2-0.5)*2*lambda_a,
 * b_i = y - 0.5. `fc` = Linear(in, squeeze) -> ReLU -> Linear(squeeze, out*exp) -> h_sigmoid.
 * The official spatial branch (use_spatial) is not implemented: the GLIP tower builds DYReLU(in, out) with
 * use_spatial=False (vldyhead.py), no GLIP config can turn it on and no GLIP checkpoint has its keys; only
 * maskrcnn_benchmark's make_layers.py (not part of GLIP's model) sets it.
 */
class DYReLUImpl : public torch::nn::Module {
 public:
  explicit DYReLUImpl(const DYReLUOptions& options);
  at::Tensor forward(const at::Tensor& x);
  torch::nn::Sequential fc{nullptr};

 private:
  DYReLUOptions o_;
  int64_t exp_;
};
TORCH_MODULE(DYReLU);

struct DyConvOptions {
  int64_t in_channels = 256, out_channels = 256;
  bool use_dyfuse = true, use_dyrelu = true, use_deform = true;
  int64_t gn_groups = 16;
};

class DyConvImpl : public torch::nn::Module {
 public:
  explicit DyConvImpl(const DyConvOptions& options = {});
  /** levels: [N, C, H_l, W_l] finest first (the FPN/tower levels). Returns the same number of levels. */
  std::vector<at::Tensor> forward(const std::vector<at::Tensor>& levels);
  /** offset(F) split into (offset [N,18,h,w], sigmoid mask [N,9,h,w]); undefined pair without use_deform. */
  std::pair<at::Tensor, at::Tensor> offset_and_mask(const at::Tensor& feature);
  const DyConvOptions& options() const { return options_; }

  torch::nn::ModuleList DyConv{nullptr};    // [0] coarser level (stride 1), [1] same level, [2] finer (stride 2)
  torch::nn::Sequential AttnConv{nullptr};  // AdaptiveAvgPool2d(1), Conv2d(C, 1, 1), ReLU
  DYReLU relu{nullptr};
  torch::nn::Conv2d offset{nullptr};

 private:
  Conv3x3NormImpl& conv(size_t i) { return *DyConv[i]->as<Conv3x3NormImpl>(); }
  DyConvOptions options_;
};
TORCH_MODULE(DyConv);

}  // namespace glip::modeling
