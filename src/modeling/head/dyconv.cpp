// DyConv block of the DyHead tower: Conv3x3Norm (deformable), scale-aware attention and DYReLU.
#include "glip/modeling/head/dyconv.h"

#include <ATen/record_function.h>

#include <torch/torch.h>

#include <cmath>

#include "glip/core/error.h"
#include "glip/ops/deform_conv.h"

namespace glip::modeling {

at::Tensor h_sigmoid(const at::Tensor& x, double h_max) { return at::clamp(x + 3.0, 0.0, 6.0) * (h_max / 6.0); }

ModulatedDeformConvImpl::ModulatedDeformConvImpl(int64_t in_channels, int64_t out_channels, int64_t k, int64_t stride_,
                                                 int64_t padding_, bool with_bias)
    : stride(stride_), padding(padding_) {
  const double stdv = 1.0 / std::sqrt(static_cast<double>(in_channels * k * k));
  weight = register_parameter("weight", at::empty({out_channels, in_channels, k, k}).uniform_(-stdv, stdv));
  if (with_bias) bias = register_parameter("bias", at::zeros({out_channels}));
}

at::Tensor ModulatedDeformConvImpl::forward(const at::Tensor& x, const at::Tensor& offset, const at::Tensor& mask) {
  return ops::modulated_deform_conv2d(x, offset, mask, weight, bias, stride, padding, 1);
}

Conv3x3NormImpl::Conv3x3NormImpl(const Conv3x3NormOptions& o) {
  if (o.deformable) {
    deform_conv = register_module("conv", ModulatedDeformConv(o.in_channels, o.out_channels, 3, o.stride, 1));
  } else {
    plain_conv = register_module(
        "conv",
        torch::nn::Conv2d(torch::nn::Conv2dOptions(o.in_channels, o.out_channels, 3).stride(o.stride).padding(1)));
    torch::nn::init::normal_(plain_conv->weight, 0.0, 0.01);  // DyConv.init_weights
    torch::nn::init::zeros_(plain_conv->bias);
  }
  if (o.gn_groups > 0) {
    GLIP_CHECK_INPUT(o.out_channels % o.gn_groups == 0, "Conv3x3Norm: ", o.out_channels,
                     " channels are not divisible into ", o.gn_groups, " GroupNorm groups");
    bn = register_module("bn", torch::nn::GroupNorm(torch::nn::GroupNormOptions(o.gn_groups, o.out_channels)));
  }
}

at::Tensor Conv3x3NormImpl::conv_forward(const at::Tensor& x, const at::Tensor& offset, const at::Tensor& mask) {
  if (deform_conv) {
    GLIP_CHECK(offset.defined() && mask.defined(), "Conv3x3Norm: the deformable conv needs an offset and a mask");
    return deform_conv(x, offset, mask);
  }
  return plain_conv(x);
}

at::Tensor Conv3x3NormImpl::forward(const at::Tensor& x, const at::Tensor& offset, const at::Tensor& mask) {
  auto y = conv_forward(x, offset, mask);
  return bn ? bn(y) : y;
}

DYReLUImpl::DYReLUImpl(const DYReLUOptions& o) : o_(o) {
  exp_ = o.k2 ? (o.use_bias ? 4 : 2) : (o.use_bias ? 2 : 1);
  int64_t squeeze = o.in_channels / o.reduction;
  if (o.reduction != 4) {  // official _make_divisible(inp // reduction, 4)
    const int64_t v = o.in_channels / o.reduction;
    squeeze = std::max<int64_t>(4, (v + 2) / 4 * 4);
    if (squeeze < 0.9 * v) squeeze += 4;
  }
  GLIP_CHECK_INPUT(squeeze > 0, "DYReLU: in_channels ", o.in_channels, " too small for reduction ", o.reduction);
  fc = register_module("fc", torch::nn::Sequential(modeling::Linear(o.in_channels, squeeze), torch::nn::ReLU(),
                                                   modeling::Linear(squeeze, o.out_channels * exp_)));
}

at::Tensor DYReLUImpl::forward(const at::Tensor& x) {
  const int64_t b = x.size(0), c = x.size(1), oup = o_.out_channels;
  const double lambda = o_.lambda_a * 2.0;
  auto y = h_sigmoid(fc->forward(x.mean({2, 3}).view({b, c}))).view({b, oup * exp_, 1, 1});
  auto parts = y.split(oup, 1);
  if (exp_ == 4) {
    auto a1 = (parts[0] - 0.5) * lambda + o_.init_a[0], b1 = parts[1] - 0.5 + o_.init_b[0];
    auto a2 = (parts[2] - 0.5) * lambda + o_.init_a[1], b2 = parts[3] - 0.5 + o_.init_b[1];
    return at::max(x * a1 + b1, x * a2 + b2);
  }
  if (exp_ == 2 && o_.use_bias) return x * ((parts[0] - 0.5) * lambda + o_.init_a[0]) + (parts[1] - 0.5 + o_.init_b[0]);
  if (exp_ == 2) {
    return at::max(x * ((parts[0] - 0.5) * lambda + o_.init_a[0]), x * ((parts[1] - 0.5) * lambda + o_.init_a[1]));
  }
  return x * ((parts[0] - 0.5) * lambda + o_.init_a[0]);
}

DyConvImpl::DyConvImpl(const DyConvOptions& o) : options_(o) {
  DyConv = register_module("DyConv", torch::nn::ModuleList());
  for (int64_t stride : {1, 1, 2}) {
    DyConv->push_back(
        Conv3x3Norm(Conv3x3NormOptions{o.in_channels, o.out_channels, stride, o.use_deform, o.gn_groups}));
  }
  if (o.use_dyfuse) {
    torch::nn::Conv2d attn(torch::nn::Conv2dOptions(o.in_channels, 1, 1));
    torch::nn::init::normal_(attn->weight, 0.0, 0.01);
    torch::nn::init::zeros_(attn->bias);
    AttnConv =
        register_module("AttnConv", torch::nn::Sequential(torch::nn::AdaptiveAvgPool2d(1), attn, torch::nn::ReLU()));
  }
  if (o.use_dyrelu) relu = register_module("relu", DYReLU(DYReLUOptions{o.in_channels, o.out_channels}));
  if (o.use_deform) {
    offset = register_module("offset", torch::nn::Conv2d(torch::nn::Conv2dOptions(o.in_channels, 27, 3).padding(1)));
  }
}

std::pair<at::Tensor, at::Tensor> DyConvImpl::offset_and_mask(const at::Tensor& feature) {
  if (!offset) return {};
  auto om = offset(feature);
  return {om.slice(1, 0, 18), om.slice(1, 18, 27).sigmoid()};
}

std::vector<at::Tensor> DyConvImpl::forward(const std::vector<at::Tensor>& levels) {
  RECORD_USER_SCOPE("glip::DyConv");  // a scope in LibTorch's profiler
  GLIP_CHECK(!levels.empty(), "DyConv: no feature levels given");
  std::vector<at::Tensor> next;
  for (size_t l = 0; l < levels.size(); ++l) {
    const auto& feature = levels[l];
    auto [off, mask] = offset_and_mask(feature);
    std::vector<at::Tensor> temp{conv(1).forward(feature, off, mask)};
    if (l > 0) temp.push_back(conv(2).forward(levels[l - 1], off, mask));
    if (l + 1 < levels.size()) {
      auto coarse = conv(0).forward(levels[l + 1], off, mask);
      const std::vector<int64_t> size{feature.size(2), feature.size(3)};
      temp.push_back(at::upsample_bilinear2d(coarse, at::IntArrayRef(size), /*align_corners=*/true));
    }
    at::Tensor fused;
    if (AttnConv) {
      std::vector<at::Tensor> attn;
      for (const auto& t : temp) attn.push_back(AttnConv->forward(t));
      fused = (at::stack(temp) * h_sigmoid(at::stack(attn))).mean(0);
    } else {
      fused = at::stack(temp).mean(0);
    }
    next.push_back(relu ? relu(fused) : at::relu(fused));
  }
  return next;
}

}  // namespace glip::modeling
