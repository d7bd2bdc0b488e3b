/**
 * Swin Transformer backbone exactly as GLIP uses it (maskrcnn_benchmark/modeling/backbone/swint.py, "v1",
 * CONV_BODY "SWINT-FPN-RETINANET"): 4x4 patch embedding (input padded right/bottom to a multiple of 4) with
 * LayerNorm, stages of (shifted-)window attention blocks with relative position bias, windows padded to a
 * multiple of the window size, the shifted-window attention mask (-100 between regions), PatchMerging
 * (odd sizes padded; concatenation order x[0::2,0::2], x[1::2,0::2], x[0::2,1::2], x[1::2,1::2]; LayerNorm then
 * a bias-free Linear), stochastic depth (DropPath) linearly increasing over all blocks, and per-stage output
 * norms `norm1..norm3` (stage2 / norm0 is the identity in the RetinaNet layout and has no parameters).
 *
 * Parameter/buffer names equal the official `backbone.body.*` keys without that prefix, e.g.
 * `layers.2.blocks.5.attn.relative_position_bias_table` and the I64 buffer `...attn.relative_position_index`.
 * The absolute position embedding (official `ape`, MODEL.SWINT.APE; off in every GLIP config) is supported:
 * `absolute_pos_embed` [1, embed_dim, pretrain_img_size/patch, pretrain_img_size/patch], resized bicubically
 * (align_corners=False) to the patch grid and added after the patch embedding's norm.
 */
#pragma once
#include <ATen/ATen.h>
#include <torch/nn/module.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/normalization.h>
#include <torch/nn/pimpl.h>

#include <string>
#include <vector>

#include "glip/modeling/linear.h"

namespace glip::modeling {

struct SwinOptions {
  int64_t patch_size = 4;
  int64_t in_chans = 3;
  int64_t embed_dim = 96;
  std::vector<int64_t> depths{2, 2, 6, 2};
  std::vector<int64_t> num_heads{3, 6, 12, 24};
  int64_t window_size = 7;
  double mlp_ratio = 4.0;
  bool qkv_bias = true;
  double drop_rate = 0.0;
  double attn_drop_rate = 0.0;
  double drop_path_rate = 0.2;
  bool patch_norm = true;
  /** Absolute position embedding (official `ape`); its grid is pretrain_img_size / patch_size per side. */
  bool ape = false;
  int64_t pretrain_img_size = 224;
  /** Which stages are returned: names "stage2".."stage5" (stage i+2 is layer i). */
  std::vector<std::string> out_features{"stage2", "stage3", "stage4", "stage5"};
  /** RetinaNet layout (GLIP): the stage2 output norm (norm0) is the identity. */
  bool retinanet_layout = true;
  /** -1: nothing frozen; >=0: patch embedding frozen; >=2: also layers 0..frozen_stages-2 (official rule). */
  int64_t frozen_stages = -1;

  /** GLIP-T: embed 96, depths 2-2-6-2, heads 3-6-12-24, window 7, drop path 0.2. */
  static SwinOptions swin_t();
  /** GLIP-L: embed 192, depths 2-2-18-2, heads 6-12-24-48, window 12, drop path 0.4. */
  static SwinOptions swin_l();
  /** A small CPU-trainable variant: embed 24 (or `embed_dim`), depths 2-2-2-2, heads 1-2-3-4, window 7. */
  static SwinOptions tiny(int64_t embed_dim = 24);
  /** Throws glip::InputError naming the bad field when the options are inconsistent. */
  void validate() const;
};

/** One returned feature map: its name ("stage3"), channel count and stride w.r.t. the input image. */
struct StageSpec {
  std::string name;
  int64_t channels = 0;
  int64_t stride = 0;
};

class WindowAttentionImpl : public torch::nn::Module {
 public:
  WindowAttentionImpl(int64_t dim, int64_t window_size, int64_t num_heads, bool qkv_bias, double attn_drop,
                      double proj_drop);
  /** x [B_, N, C] with N = window^2; mask [nW, N, N] (0 / -100) or undefined. */
  at::Tensor forward(const at::Tensor& x, const at::Tensor& mask);

  at::Tensor relative_position_bias_table, relative_position_index;
  modeling::Linear qkv{nullptr}, proj{nullptr};

 private:
  int64_t window_size_, num_heads_;
  double scale_, attn_drop_, proj_drop_;
};
TORCH_MODULE(WindowAttention);

class SwinMlpImpl : public torch::nn::Module {
 public:
  SwinMlpImpl(int64_t dim, int64_t hidden, double drop);
  at::Tensor forward(const at::Tensor& x);
  modeling::Linear fc1{nullptr}, fc2{nullptr};

 private:
  double drop_;
};
TORCH_MODULE(SwinMlp);

class SwinBlockImpl : public torch::nn::Module {
 public:
  SwinBlockImpl(int64_t dim, int64_t num_heads, int64_t window_size, int64_t shift_size, const SwinOptions& o,
                double drop_path);
  /** x [B, H*W, C]; attn_mask from make_shift_mask (used only by shifted blocks). */
  at::Tensor forward(const at::Tensor& x, int64_t H, int64_t W, const at::Tensor& attn_mask);

  torch::nn::LayerNorm norm1{nullptr}, norm2{nullptr};
  WindowAttention attn{nullptr};
  SwinMlp mlp{nullptr};

 private:
  int64_t window_size_, shift_size_;
  double drop_path_;
};
TORCH_MODULE(SwinBlock);

class PatchMergingImpl : public torch::nn::Module {
 public:
  explicit PatchMergingImpl(int64_t dim);
  /** x [B, H*W, C] -> [B, ceil(H/2)*ceil(W/2), 2C]. */
  at::Tensor forward(const at::Tensor& x, int64_t H, int64_t W);
  modeling::Linear reduction{nullptr};
  torch::nn::LayerNorm norm{nullptr};
};
TORCH_MODULE(PatchMerging);

class SwinStageImpl : public torch::nn::Module {  // the official BasicLayer
 public:
  SwinStageImpl(int64_t dim, int64_t depth, int64_t num_heads, const SwinOptions& o,
                const std::vector<double>& drop_path, bool downsample);
  torch::nn::ModuleList blocks{nullptr};
  PatchMerging downsample{nullptr};
  int64_t window_size;
};
TORCH_MODULE(SwinStage);

class PatchEmbedImpl : public torch::nn::Module {
 public:
  PatchEmbedImpl(int64_t patch_size, int64_t in_chans, int64_t embed_dim, bool norm);
  /** image [B, 3, H, W] -> [B, embed, ceil(H/p), ceil(W/p)]. */
  at::Tensor forward(const at::Tensor& x);
  torch::nn::Conv2d proj{nullptr};
  torch::nn::LayerNorm norm{nullptr};

 private:
  int64_t patch_size_;
};
TORCH_MODULE(PatchEmbed);

class SwinTransformerImpl : public torch::nn::Module {
 public:
  explicit SwinTransformerImpl(const SwinOptions& options = SwinOptions::swin_t());
  /** images [B, 3, H, W] (any H, W) -> one [B, C_i, H_i, W_i] map per out feature, finest first. */
  std::vector<at::Tensor> forward(const at::Tensor& images);
  /** Name, channels and stride of each returned map, in forward() order. */
  const std::vector<StageSpec>& out_stages() const { return out_stages_; }
  const SwinOptions& options() const { return options_; }
  /** Keeps frozen stages in eval mode and without gradients (official _freeze_stages). */
  void train(bool on = true) override;

  PatchEmbed patch_embed{nullptr};
  torch::nn::ModuleList layers{nullptr};
  /** [1, embed_dim, r, r] with ape (official key `absolute_pos_embed`); undefined otherwise. */
  at::Tensor absolute_pos_embed;

 private:
  void freeze_stages();
  SwinOptions options_;
  std::vector<StageSpec> out_stages_;
  std::vector<torch::nn::LayerNorm> out_norms_;  // per layer; null for identity / not returned
};
TORCH_MODULE(SwinTransformer);

/** The official F.interpolate(embed, size=(h, w), mode='bicubic') (align_corners=False, A = -0.75). */
at::Tensor interpolate_pos_embed(const at::Tensor& embed, int64_t h, int64_t w);

/** The shifted-window attention mask for a padded Hp x Wp map: [nW, ws*ws, ws*ws] of 0 / -100. */
at::Tensor make_shift_mask(int64_t Hp, int64_t Wp, int64_t window_size, int64_t shift_size,
                           const at::TensorOptions& options);

}  // namespace glip::modeling
