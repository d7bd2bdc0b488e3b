// Swin Transformer: window attention with relative position bias, the MLP and the (shifted-)window block.
#include <torch/torch.h>

#include <ATen/record_function.h>

#include "glip/modeling/backbone/swin.h"
#include "glip/ops/dropout.h"
#include "glip/ops/gemm.h"
#include "glip/ops/window_softmax.h"

namespace glip::modeling {
namespace {

// Stochastic depth per sample (timm DropPath): x / keep * Bernoulli(keep) in training, identity otherwise.
at::Tensor drop_path(const at::Tensor& x, double p, bool training) {
  if (!training || p <= 0.0) return x;
  const double keep = 1.0 - p;
  std::vector<int64_t> shape(static_cast<size_t>(x.dim()), 1);
  shape[0] = x.size(0);
  auto mask = at::empty(shape, x.options()).bernoulli_(keep);
  return x / keep * mask;
}

// [B, Hp, Wp, C] -> [B * nW, ws*ws, C], windows in (b, row, col) order.
at::Tensor window_partition(const at::Tensor& x, int64_t ws) {
  const int64_t B = x.size(0), H = x.size(1), W = x.size(2), C = x.size(3);
  return x.view({B, H / ws, ws, W / ws, ws, C}).permute({0, 1, 3, 2, 4, 5}).reshape({-1, ws * ws, C});
}

at::Tensor window_reverse(const at::Tensor& windows, int64_t ws, int64_t H, int64_t W) {
  const int64_t C = windows.size(-1), B = windows.size(0) / ((H / ws) * (W / ws));
  return windows.view({B, H / ws, W / ws, ws, ws, C}).permute({0, 1, 3, 2, 4, 5}).reshape({B, H, W, C});
}

}  // namespace

at::Tensor make_shift_mask(int64_t Hp, int64_t Wp, int64_t ws, int64_t shift, const at::TensorOptions& options) {
  // Region ids as the official slices (0:-ws, -ws:-shift, -shift:) along each axis; id = 3*row_region + col_region.
  auto region = [&](int64_t n) {
    auto idx = at::arange(n, at::kLong);
    return (idx >= n - ws).to(at::kLong) + (idx >= n - shift).to(at::kLong);
  };
  auto ids = (region(Hp).view({Hp, 1}) * 3 + region(Wp).view({1, Wp})).view({1, Hp, Wp, 1});
  auto win = window_partition(ids, ws).squeeze(-1);  // [nW, ws*ws]
  auto diff = win.unsqueeze(1) - win.unsqueeze(2);   // [nW, N, N]
  return at::zeros(diff.sizes(), options).masked_fill_((diff != 0).to(options.device()), -100.0);
}

WindowAttentionImpl::WindowAttentionImpl(int64_t dim, int64_t ws, int64_t num_heads, bool qkv_bias, double attn_drop,
                                         double proj_drop)
    : window_size_(ws), num_heads_(num_heads), attn_drop_(attn_drop), proj_drop_(proj_drop) {
  scale_ = 1.0 / std::sqrt(static_cast<double>(dim / num_heads));
  relative_position_bias_table =
      register_parameter("relative_position_bias_table", at::randn({(2 * ws - 1) * (2 * ws - 1), num_heads}) * 0.02);
  auto coords_h = at::arange(ws, at::kLong).view({ws, 1}).expand({ws, ws}).reshape({-1});
  auto coords_w = at::arange(ws, at::kLong).view({1, ws}).expand({ws, ws}).reshape({-1});
  auto rel_h = coords_h.view({-1, 1}) - coords_h.view({1, -1}) + (ws - 1);
  auto rel_w = coords_w.view({-1, 1}) - coords_w.view({1, -1}) + (ws - 1);
  relative_position_index = register_buffer("relative_position_index", rel_h * (2 * ws - 1) + rel_w);
  qkv = register_module("qkv", modeling::Linear(torch::nn::LinearOptions(dim, 3 * dim).bias(qkv_bias)));
  proj = register_module("proj", modeling::Linear(dim, dim));
  for (auto* l : {&qkv, &proj}) {
    torch::nn::init::normal_((*l)->weight, 0.0, 0.02);
    if ((*l)->bias.defined()) torch::nn::init::zeros_((*l)->bias);
  }
}

at::Tensor WindowAttentionImpl::forward(const at::Tensor& x, const at::Tensor& mask) {
  const int64_t B_ = x.size(0), N = x.size(1), C = x.size(2), hd = C / num_heads_;
  auto qkv_t = qkv(x).reshape({B_, N, 3, num_heads_, hd}).permute({2, 0, 3, 1, 4});
  auto q = qkv_t[0] * scale_, k = qkv_t[1], v = qkv_t[2];
  auto attn = ops::matmul(q, k.transpose(-2, -1));  // [B_, nH, N, N]
  auto bias = relative_position_bias_table.index_select(0, relative_position_index.view({-1}))
                  .view({N, N, num_heads_})
                  .permute({2, 0, 1});
  // Without a gradient the bias, the mask and the softmax run in one pass over each row, in place
  // (ops/window_softmax.h): Swin-L's window maps are ~2 GB per forward, and each ATen step read and wrote them once.
  const bool no_grad = !at::GradMode::is_enabled();
  if (no_grad) bias = bias.contiguous();
  if (no_grad && ops::supports_fused_window_softmax(attn, bias, mask)) {
    ops::window_softmax_(attn, bias, mask);
  } else {
    attn = attn + bias.unsqueeze(0);
    if (mask.defined()) {
      const int64_t nW = mask.size(0);
      attn = (attn.view({B_ / nW, nW, num_heads_, N, N}) + mask.unsqueeze(1).unsqueeze(0)).view({-1, num_heads_, N, N});
    }
    attn = at::softmax(attn, -1);
  }
  attn = ops::dropout(attn, attn_drop_, is_training());
  at::Tensor out;
  if (no_grad) {  // the heads' products written side by side into [B_, N, nH, hd], with no copy
    out = at::empty({B_, N, num_heads_, hd}, x.options());
    ops::matmul_out(out.transpose(1, 2), attn, v);
    out = out.view({B_, N, C});
  } else {
    out = ops::matmul(attn, v).transpose(1, 2).reshape({B_, N, C});
  }
  return ops::dropout(proj(out), proj_drop_, is_training());
}

SwinMlpImpl::SwinMlpImpl(int64_t dim, int64_t hidden, double drop) : drop_(drop) {
  fc1 = register_module("fc1", modeling::Linear(dim, hidden));
  fc2 = register_module("fc2", modeling::Linear(hidden, dim));
  for (auto* l : {&fc1, &fc2}) {
    torch::nn::init::normal_((*l)->weight, 0.0, 0.02);
    torch::nn::init::zeros_((*l)->bias);
  }
}

at::Tensor SwinMlpImpl::forward(const at::Tensor& x) {
  auto h = fc1(x);
  h = at::GradMode::is_enabled() ? at::gelu(h) : at::gelu_(h);  // in place without a gradient: the same bits
  h = ops::dropout(h, drop_, is_training());
  return ops::dropout(fc2(h), drop_, is_training());
}

SwinBlockImpl::SwinBlockImpl(int64_t dim, int64_t num_heads, int64_t ws, int64_t shift, const SwinOptions& o,
                             double drop_path_p)
    : window_size_(ws), shift_size_(shift), drop_path_(drop_path_p) {
  norm1 = register_module("norm1", torch::nn::LayerNorm(torch::nn::LayerNormOptions({dim})));
  attn = register_module("attn", WindowAttention(dim, ws, num_heads, o.qkv_bias, o.attn_drop_rate, o.drop_rate));
  norm2 = register_module("norm2", torch::nn::LayerNorm(torch::nn::LayerNormOptions({dim})));
  mlp = register_module("mlp", SwinMlp(dim, static_cast<int64_t>(dim * o.mlp_ratio), o.drop_rate));
}

at::Tensor SwinBlockImpl::forward(const at::Tensor& x, int64_t H, int64_t W, const at::Tensor& attn_mask) {
  RECORD_USER_SCOPE("glip::SwinBlock");  // a scope in LibTorch's profiler
  const int64_t B = x.size(0), C = x.size(2), ws = window_size_;
  auto h = norm1(x).view({B, H, W, C});
  const int64_t pad_r = (ws - W % ws) % ws, pad_b = (ws - H % ws) % ws;
  if (pad_r > 0 || pad_b > 0) h = at::constant_pad_nd(h, {0, 0, 0, pad_r, 0, pad_b});
  const int64_t Hp = H + pad_b, Wp = W + pad_r;
  if (shift_size_ > 0) h = at::roll(h, {-shift_size_, -shift_size_}, {1, 2});
  auto windows = attn(window_partition(h, ws), shift_size_ > 0 ? attn_mask : at::Tensor());
  h = window_reverse(windows, ws, Hp, Wp);
  if (shift_size_ > 0) h = at::roll(h, {shift_size_, shift_size_}, {1, 2});
  if (pad_r > 0 || pad_b > 0) h = h.slice(1, 0, H).slice(2, 0, W);
  auto out = x + drop_path(h.reshape({B, H * W, C}), drop_path_, is_training());
  return out + drop_path(mlp(norm2(out)), drop_path_, is_training());
}

}  // namespace glip::modeling
