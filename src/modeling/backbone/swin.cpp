// Swin Transformer: options, patch embedding, patch merging, stages and the backbone.
#include <torch/torch.h>

#include "glip/core/error.h"
#include "glip/modeling/backbone/swin.h"
#include "glip/ops/dropout.h"

namespace glip::modeling {

SwinOptions SwinOptions::swin_t() { return SwinOptions{}; }

SwinOptions SwinOptions::swin_l() {
  SwinOptions o;
  o.embed_dim = 192;
  o.depths = {2, 2, 18, 2};
  o.num_heads = {6, 12, 24, 48};
  o.window_size = 12;
  o.drop_path_rate = 0.4;
  return o;
}

SwinOptions SwinOptions::tiny(int64_t embed_dim) {
  SwinOptions o;
  o.embed_dim = embed_dim;
  o.depths = {2, 2, 2, 2};
  o.num_heads = {1, 2, 3, 4};
  o.drop_path_rate = 0.1;
  return o;
}

void SwinOptions::validate() const {
  GLIP_CHECK_INPUT(!depths.empty() && depths.size() == num_heads.size(), "swin options: depths (", depths.size(),
                   " stages) and num_heads (", num_heads.size(), ") must be non-empty and of equal length");
  GLIP_CHECK_INPUT(patch_size > 0 && window_size > 1 && embed_dim > 0 && mlp_ratio > 0,
                   "swin options: patch_size, embed_dim and mlp_ratio must be positive and window_size > 1");
  for (size_t i = 0; i < depths.size(); ++i) {
    const int64_t dim = embed_dim << i;
    GLIP_CHECK_INPUT(depths[i] > 0 && num_heads[i] > 0 && dim % num_heads[i] == 0, "swin options: stage ", i,
                     " has depth ", depths[i], ", ", num_heads[i], " heads for ", dim, " channels (must divide)");
  }
  GLIP_CHECK_INPUT(!ape || pretrain_img_size >= patch_size, "swin options: ape needs pretrain_img_size (",
                   pretrain_img_size, ") >= patch_size (", patch_size, ")");
  GLIP_CHECK_INPUT(drop_path_rate >= 0 && drop_path_rate < 1 && drop_rate >= 0 && drop_rate < 1 &&
                       attn_drop_rate >= 0 && attn_drop_rate < 1,
                   "swin options: drop rates must be in [0, 1)");
  for (const auto& f : out_features) {
    bool known = false;
    for (size_t i = 0; i < depths.size(); ++i) known |= f == "stage" + std::to_string(i + 2);
    GLIP_CHECK_INPUT(known, "swin options: unknown out feature '", f, "' (expected stage2..stage", depths.size() + 1,
                     ")");
  }
}

PatchEmbedImpl::PatchEmbedImpl(int64_t patch_size, int64_t in_chans, int64_t embed_dim, bool norm_on)
    : patch_size_(patch_size) {
  proj = register_module(
      "proj", torch::nn::Conv2d(torch::nn::Conv2dOptions(in_chans, embed_dim, patch_size).stride(patch_size)));
  if (norm_on) norm = register_module("norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({embed_dim})));
}

at::Tensor PatchEmbedImpl::forward(const at::Tensor& x) {
  const int64_t H = x.size(2), W = x.size(3);
  const int64_t pad_w = (patch_size_ - W % patch_size_) % patch_size_,
                pad_h = (patch_size_ - H % patch_size_) % patch_size_;
  auto y = proj((pad_w || pad_h) ? at::constant_pad_nd(x, {0, pad_w, 0, pad_h}) : x);
  if (!norm) return y;
  const int64_t B = y.size(0), C = y.size(1), Wh = y.size(2), Ww = y.size(3);
  return norm(y.flatten(2).transpose(1, 2)).transpose(1, 2).reshape({B, C, Wh, Ww});
}

PatchMergingImpl::PatchMergingImpl(int64_t dim) {
  reduction = register_module("reduction", modeling::Linear(torch::nn::LinearOptions(4 * dim, 2 * dim).bias(false)));
  norm = register_module("norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({4 * dim})));
  torch::nn::init::normal_(reduction->weight, 0.0, 0.02);
}

at::Tensor PatchMergingImpl::forward(const at::Tensor& x, int64_t H, int64_t W) {
  const int64_t B = x.size(0), C = x.size(2);
  auto v = x.view({B, H, W, C});
  if (H % 2 == 1 || W % 2 == 1) v = at::constant_pad_nd(v, {0, 0, 0, W % 2, 0, H % 2});
  using at::indexing::None;
  using at::indexing::Slice;
  auto x0 = v.index({Slice(), Slice(0, None, 2), Slice(0, None, 2)});
  auto x1 = v.index({Slice(), Slice(1, None, 2), Slice(0, None, 2)});
  auto x2 = v.index({Slice(), Slice(0, None, 2), Slice(1, None, 2)});
  auto x3 = v.index({Slice(), Slice(1, None, 2), Slice(1, None, 2)});
  return reduction(norm(at::cat({x0, x1, x2, x3}, -1).view({B, -1, 4 * C})));
}

SwinStageImpl::SwinStageImpl(int64_t dim, int64_t depth, int64_t num_heads, const SwinOptions& o,
                             const std::vector<double>& dpr, bool with_downsample)
    : window_size(o.window_size) {
  blocks = register_module("blocks", torch::nn::ModuleList());
  for (int64_t i = 0; i < depth; ++i) {
    const int64_t shift = (i % 2 == 0) ? 0 : o.window_size / 2;
    blocks->push_back(SwinBlock(dim, num_heads, o.window_size, shift, o, dpr[static_cast<size_t>(i)]));
  }
  if (with_downsample) downsample = register_module("downsample", PatchMerging(dim));
}

SwinTransformerImpl::SwinTransformerImpl(const SwinOptions& options) : options_(options) {
  options_.validate();
  const auto& o = options_;
  patch_embed = register_module("patch_embed", PatchEmbed(o.patch_size, o.in_chans, o.embed_dim, o.patch_norm));
  if (o.ape) {  // official: zeros then trunc_normal_(std=.02) with cut-offs at +-2 (absolute), i.e. never reached
    const int64_t r = o.pretrain_img_size / o.patch_size;
    absolute_pos_embed = register_parameter("absolute_pos_embed", at::randn({1, o.embed_dim, r, r}) * 0.02);
  }
  int64_t total = 0;
  for (auto d : o.depths) total += d;
  std::vector<double> dpr;  // torch.linspace(0, rate, total)
  for (int64_t i = 0; i < total; ++i) dpr.push_back(total > 1 ? o.drop_path_rate * i / (total - 1) : 0.0);
  layers = register_module("layers", torch::nn::ModuleList());
  const size_t n = o.depths.size();
  size_t start = 0;
  for (size_t i = 0; i < n; ++i) {
    std::vector<double> stage_dpr(dpr.begin() + static_cast<int64_t>(start),
                                  dpr.begin() + static_cast<int64_t>(start + o.depths[i]));
    start += static_cast<size_t>(o.depths[i]);
    layers->push_back(SwinStage(o.embed_dim << i, o.depths[i], o.num_heads[i], o, stage_dpr, i + 1 < n));
  }
  out_norms_.resize(n, torch::nn::LayerNorm(nullptr));
  for (size_t i = 0; i < n; ++i) {
    const std::string name = "stage" + std::to_string(i + 2);
    bool wanted = false;
    for (const auto& f : o.out_features) wanted |= f == name;
    if (!wanted) continue;
    out_stages_.push_back({name, o.embed_dim << i, o.patch_size << i});
    if (i == 0 && o.retinanet_layout) continue;  // norm0 = Identity
    out_norms_[i] = register_module("norm" + std::to_string(i),
                                    torch::nn::LayerNorm(torch::nn::LayerNormOptions({o.embed_dim << i})));
  }
  freeze_stages();
}

void SwinTransformerImpl::freeze_stages() {
  auto freeze = [](torch::nn::Module& m) {
    m.eval();
    for (auto& p : m.parameters()) p.set_requires_grad(false);
  };
  if (options_.frozen_stages >= 0) freeze(*patch_embed);
  if (options_.frozen_stages >= 1 && absolute_pos_embed.defined()) absolute_pos_embed.set_requires_grad(false);
  for (int64_t i = 0; i + 1 < options_.frozen_stages && i < static_cast<int64_t>(layers->size()); ++i) {
    freeze(*layers[static_cast<size_t>(i)]);
  }
}

void SwinTransformerImpl::train(bool on) {
  torch::nn::Module::train(on);
  freeze_stages();
}

std::vector<at::Tensor> SwinTransformerImpl::forward(const at::Tensor& images) {
  GLIP_CHECK(images.dim() == 4 && images.size(1) == options_.in_chans, "SwinTransformer: expected images [B, ",
             options_.in_chans, ", H, W], got ", images.sizes());
  auto x = patch_embed(images);
  int64_t H = x.size(2), W = x.size(3);
  if (absolute_pos_embed.defined()) x = x + interpolate_pos_embed(absolute_pos_embed, H, W);
  const int64_t B = x.size(0);
  x = x.flatten(2).transpose(1, 2);
  x = ops::dropout(x, options_.drop_rate, is_training());
  std::vector<at::Tensor> outs;
  const int64_t ws = options_.window_size;
  for (size_t i = 0; i < layers->size(); ++i) {
    auto stage = layers[i]->as<SwinStageImpl>();
    const int64_t Hp = (H + ws - 1) / ws * ws, Wp = (W + ws - 1) / ws * ws;
    auto mask = make_shift_mask(Hp, Wp, ws, ws / 2, x.options());
    for (size_t b = 0; b < stage->blocks->size(); ++b)
      x = stage->blocks[b]->as<SwinBlockImpl>()->forward(x, H, W, mask);
    const std::string name = "stage" + std::to_string(i + 2);
    bool wanted = false;
    for (const auto& s : out_stages_) wanted |= s.name == name;
    if (wanted) {
      auto y = out_norms_[i] ? out_norms_[i]->forward(x) : x;
      outs.push_back(y.view({B, H, W, -1}).permute({0, 3, 1, 2}).contiguous());
    }
    if (stage->downsample) {
      x = stage->downsample(x, H, W);
      H = (H + 1) / 2, W = (W + 1) / 2;
    }
  }
  return outs;
}

at::Tensor interpolate_pos_embed(const at::Tensor& embed, int64_t h, int64_t w) {
  return at::upsample_bicubic2d(embed, {h, w}, /*align_corners=*/false);
}

}  // namespace glip::modeling
