// ResNet body (maskrcnn_benchmark resnet.py): options, norms, stem, bottleneck, stages.
#include "glip/modeling/backbone/resnet.h"

#include <torch/torch.h>

#include "glip/core/error.h"

namespace glip::modeling {
namespace {

torch::nn::Conv2d conv(int64_t in, int64_t out, int64_t k, int64_t stride, int64_t pad, int64_t groups = 1) {
  torch::nn::Conv2d c(torch::nn::Conv2dOptions(in, out, k).stride(stride).padding(pad).groups(groups).bias(false));
  torch::nn::init::kaiming_uniform_(c->weight, /*a=*/1);
  return c;
}

void freeze(torch::nn::Module& m) {
  for (auto& p : m.parameters()) p.set_requires_grad(false);
}

}  // namespace

ResNetOptions ResNetOptions::r50() { return ResNetOptions{}; }

ResNetOptions ResNetOptions::r101() {
  ResNetOptions o;
  o.stage_blocks = {3, 4, 23, 3};
  return o;
}

ResNetOptions ResNetOptions::tiny() {
  ResNetOptions o;
  o.stage_blocks = {2, 2, 2, 2};
  o.stem_out_channels = 16;
  o.res2_out_channels = 64;
  o.width_per_group = 16;
  o.norm = "GN";
  o.gn_groups = 8;
  return o;
}

void ResNetOptions::validate() const {
  GLIP_CHECK_INPUT(stage_blocks.size() == 4, "resnet options: expected 4 stages (layer1..layer4), got ",
                   stage_blocks.size());
  for (int64_t b : stage_blocks) GLIP_CHECK_INPUT(b >= 1, "resnet options: every stage needs >= 1 block, got ", b);
  GLIP_CHECK_INPUT(stem_out_channels >= 1 && res2_out_channels >= 1 && num_groups >= 1 && width_per_group >= 1,
                   "resnet options: channel counts and groups must be >= 1");
  GLIP_CHECK_INPUT(norm == "FrozenBN" || norm == "GN", "resnet options: norm '", norm, "' is not one of FrozenBN|GN");
  if (norm == "GN") {
    const int64_t widths[] = {stem_out_channels, res2_out_channels, num_groups * width_per_group};
    for (int64_t c : widths)
      GLIP_CHECK_INPUT(gn_groups >= 1 && c % gn_groups == 0, "resnet options: GroupNorm with ", gn_groups,
                       " groups needs channel counts divisible by it, got ", c);
  }
}

Norm2dImpl::Norm2dImpl(const std::string& kind, int64_t channels, int64_t gn_groups)
    : frozen_bn_(kind == "FrozenBN"), groups_(gn_groups) {
  if (frozen_bn_) {  // buffers, as FrozenBatchNorm2d: never trained, loaded from checkpoints
    weight_ = register_buffer("weight", torch::ones({channels}));
    bias_ = register_buffer("bias", torch::zeros({channels}));
    running_mean_ = register_buffer("running_mean", torch::zeros({channels}));
    running_var_ = register_buffer("running_var", torch::ones({channels}));
  } else {
    weight_ = register_parameter("weight", torch::ones({channels}));
    bias_ = register_parameter("bias", torch::zeros({channels}));
  }
}

at::Tensor Norm2dImpl::forward(const at::Tensor& x) {
  if (!frozen_bn_) return at::group_norm(x, groups_, weight_, bias_, 1e-5);
  const auto scale = weight_ * running_var_.rsqrt();  // no epsilon, as maskrcnn_benchmark's FrozenBatchNorm2d
  const auto shift = bias_ - running_mean_ * scale;
  return x * scale.reshape({1, -1, 1, 1}) + shift.reshape({1, -1, 1, 1});
}

ResNetStemImpl::ResNetStemImpl(const ResNetOptions& o) {
  conv1 = register_module("conv1", conv(3, o.stem_out_channels, 7, 2, 3));
  bn1 = register_module("bn1", Norm2d(o.norm, o.stem_out_channels, o.gn_groups));
}

at::Tensor ResNetStemImpl::forward(const at::Tensor& x) {
  auto y = torch::relu(bn1(conv1(x)));
  return torch::max_pool2d(y, 3, 2, 1);
}

BottleneckImpl::BottleneckImpl(const ResNetOptions& o, int64_t in_channels, int64_t bottleneck_channels,
                               int64_t out_channels, int64_t stride) {
  if (in_channels != out_channels) {
    downsample = register_module("downsample", torch::nn::Sequential(conv(in_channels, out_channels, 1, stride, 0),
                                                                     Norm2d(o.norm, out_channels, o.gn_groups)));
  }
  const int64_t s1 = o.stride_in_1x1 ? stride : 1, s3 = o.stride_in_1x1 ? 1 : stride;
  conv1 = register_module("conv1", conv(in_channels, bottleneck_channels, 1, s1, 0));
  bn1 = register_module("bn1", Norm2d(o.norm, bottleneck_channels, o.gn_groups));
  conv2 = register_module("conv2", conv(bottleneck_channels, bottleneck_channels, 3, s3, 1, o.num_groups));
  bn2 = register_module("bn2", Norm2d(o.norm, bottleneck_channels, o.gn_groups));
  conv3 = register_module("conv3", conv(bottleneck_channels, out_channels, 1, 1, 0));
  bn3 = register_module("bn3", Norm2d(o.norm, out_channels, o.gn_groups));
}

at::Tensor BottleneckImpl::forward(const at::Tensor& x) {
  auto y = torch::relu(bn1(conv1(x)));
  y = torch::relu(bn2(conv2(y)));
  y = bn3(conv3(y));
  return torch::relu(y + (downsample ? downsample->forward(x) : x));
}

ResNetImpl::ResNetImpl(const ResNetOptions& options) : options_(options) {
  options_.validate();
  stem = register_module("stem", ResNetStem(options_));
  int64_t in = options_.stem_out_channels;
  for (size_t s = 0; s < options_.stage_blocks.size(); ++s) {
    const int64_t bottleneck = options_.num_groups * options_.width_per_group << s;
    const int64_t out = options_.stage_out_channels(s);
    torch::nn::Sequential stage;
    for (int64_t b = 0; b < options_.stage_blocks[s]; ++b) {
      stage->push_back(Bottleneck(options_, in, bottleneck, out, b == 0 && s > 0 ? 2 : 1));
      in = out;
    }
    layers.push_back(register_module("layer" + std::to_string(s + 1), stage));
  }
  if (options_.freeze_at >= 1) freeze(*stem);
  for (int64_t k = 1; k < options_.freeze_at && k <= static_cast<int64_t>(layers.size()); ++k)
    freeze(*layers[static_cast<size_t>(k - 1)]);
}

std::vector<at::Tensor> ResNetImpl::forward(const at::Tensor& images) {
  std::vector<at::Tensor> out;
  auto x = stem(images);
  for (auto& layer : layers) {
    x = layer->forward(x);
    out.push_back(x);
  }
  return out;
}

}  // namespace glip::modeling
