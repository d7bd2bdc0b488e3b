// FPN with LastLevelP6P7 and DropBlock (maskrcnn_benchmark/modeling/backbone/fpn.py, layers/dropblock.py).
#include "glip/modeling/backbone/fpn.h"

#include <ATen/record_function.h>

#include <torch/torch.h>

#include "glip/core/error.h"

namespace glip::modeling {
namespace {

torch::nn::Conv2d kaiming_conv(int64_t in, int64_t out, int64_t k, int64_t stride) {
  torch::nn::Conv2d c(torch::nn::Conv2dOptions(in, out, k).stride(stride).padding((k - 1) / 2));
  torch::nn::init::kaiming_uniform_(c->weight, /*a=*/1);
  torch::nn::init::zeros_(c->bias);
  return c;
}

// A submodule-less holder: P6/P7 live under "top_blocks" as in the official LastLevelP6P7.
struct TopBlocksImpl : torch::nn::Module {};
TORCH_MODULE(TopBlocks);

}  // namespace

void FPNOptions::validate() const {
  GLIP_CHECK_INPUT(out_channels > 0, "fpn options: out_channels must be positive, got ", out_channels);
  size_t used = 0;
  for (auto c : in_channels_list) {
    GLIP_CHECK_INPUT(c >= 0, "fpn options: negative entry in in_channels_list");
    used += c > 0;
  }
  GLIP_CHECK_INPUT(used > 0 && in_channels_list.back() > 0,
                   "fpn options: in_channels_list needs a non-zero last (coarsest) entry");
  GLIP_CHECK_INPUT(drop_prob >= 0 && drop_prob < 1 && drop_size > 0, "fpn options: drop_prob must be in [0, 1) ",
                   "and drop_size positive");
}

at::Tensor drop_block_2d(const at::Tensor& x, double drop_prob, int64_t block, bool training) {
  GLIP_CHECK(x.dim() == 4, "drop_block_2d: expected [N, C, H, W], got ", x.sizes());
  if (!training || drop_prob == 0.0) return x;
  const double gamma = drop_prob / static_cast<double>(block * block);
  auto seeds = (at::rand({x.size(0), 1, x.size(2), x.size(3)}, x.options()) < gamma).to(x.scalar_type());
  auto grown = at::max_pool2d(seeds, {block, block}, {1, 1}, {block / 2, block / 2});
  if (block % 2 == 0) grown = grown.slice(2, 0, -1).slice(3, 0, -1);
  auto keep = 1 - grown.squeeze(1);  // [N, H, W]
  return x * keep.unsqueeze(1) * (static_cast<double>(keep.numel()) / keep.sum());
}

FPNImpl::FPNImpl(const FPNOptions& options) : options_(options) {
  options_.validate();
  for (size_t i = 0; i < options_.in_channels_list.size(); ++i) {
    const int64_t c = options_.in_channels_list[i];
    if (c == 0) continue;
    used_levels_.push_back(i);
    inner_blocks.push_back(
        register_module("fpn_inner" + std::to_string(i + 1), kaiming_conv(c, options_.out_channels, 1, 1)));
    layer_blocks.push_back(register_module("fpn_layer" + std::to_string(i + 1),
                                           kaiming_conv(options_.out_channels, options_.out_channels, 3, 1)));
  }
  if (options_.top_blocks) {
    const int64_t in_p6 = options_.out_channels;  // GLIP builds LastLevelP6P7(out, out): P6 from P5
    use_p5_ = in_p6 == options_.out_channels;
    auto top = register_module("top_blocks", TopBlocks());
    p6 = top->register_module("p6", kaiming_conv(in_p6, options_.out_channels, 3, 2));
    p7 = top->register_module("p7", kaiming_conv(options_.out_channels, options_.out_channels, 3, 2));
  }
}

std::vector<at::Tensor> FPNImpl::forward(const std::vector<at::Tensor>& x) {
  RECORD_USER_SCOPE("glip::FPN");  // a scope in LibTorch's profiler
  GLIP_CHECK(x.size() == options_.in_channels_list.size(), "FPN: expected ", options_.in_channels_list.size(),
             " feature maps, got ", x.size());
  const size_t n = used_levels_.size();
  auto last_inner = inner_blocks[n - 1](x[used_levels_[n - 1]]);
  std::vector<at::Tensor> results{layer_blocks[n - 1](last_inner)};
  for (size_t j = n - 1; j-- > 0;) {
    auto lateral = inner_blocks[j](x[used_levels_[j]]);
    auto top_down = last_inner;
    if (lateral.sizes().slice(2) != last_inner.sizes().slice(2)) {
      const std::vector<int64_t> size{lateral.size(2), lateral.size(3)};
      top_down = at::upsample_nearest2d(last_inner, at::IntArrayRef(size));
    }
    last_inner = lateral + top_down;
    auto merged = options_.drop_block ? drop_block_2d(last_inner, options_.drop_prob, options_.drop_size, is_training())
                                      : last_inner;
    results.insert(results.begin(), layer_blocks[j](merged));
  }
  if (p6) {
    auto p6_out = p6(use_p5_ ? results.back() : x.back());
    results.push_back(p6_out);
    results.push_back(p7(at::relu(p6_out)));
  }
  return results;
}

}  // namespace glip::modeling
