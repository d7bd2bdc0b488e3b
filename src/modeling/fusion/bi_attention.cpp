#include "glip/modeling/fusion/bi_attention.h"

#include <cmath>

#include <ATen/record_function.h>

#include "glip/core/error.h"
#include "glip/modeling/fp16_clamp.h"
#include "glip/ops/attention_softmax.h"
#include "glip/ops/dropout.h"
#include "glip/ops/gemm.h"

namespace glip::modeling {

namespace {
modeling::Linear xavier_linear(int64_t in, int64_t out) {
  modeling::Linear lin(in, out);
  torch::NoGradGuard g;
  torch::nn::init::xavier_uniform_(lin->weight);
  lin->bias.zero_();
  return lin;
}

}  // namespace

void BiAttentionOptions::validate() const {
  GLIP_CHECK_INPUT(v_dim > 0 && l_dim > 0 && embed_dim > 0 && num_heads > 0,
                   "bi-attention: sizes must be positive (v_dim ", v_dim, ", l_dim ", l_dim, ", embed_dim ", embed_dim,
                   ", heads ", num_heads, ")");
  GLIP_CHECK_INPUT(embed_dim % num_heads == 0, "bi-attention: embed_dim ", embed_dim,
                   " must be divisible by num_heads ", num_heads);
}

BiAttentionFlops bi_attention_flops(const BiAttentionOptions& o, int64_t N, int64_t T) {
  const double Cv = static_cast<double>(o.v_dim), Cl = static_cast<double>(o.l_dim),
               E = static_cast<double>(o.embed_dim), H = static_cast<double>(o.num_heads), n = static_cast<double>(N),
               t = static_cast<double>(T);
  const double text = 3 * t * Cl * E;  // l_proj, values_l_proj, out_l_proj: the same in both
  BiAttentionFlops f;
  f.official = 2 * (text + 3 * n * Cv * E + 3 * n * t * E);     // v_proj, values_v_proj, out_v_proj; three over N x T
  f.folded = 2 * (text + 3 * n * H * t * Cv + 3 * t * E * Cv);  // three over N x H T; A, U and the text side's W_vv
  return f;
}

BiMultiHeadAttentionImpl::BiMultiHeadAttentionImpl(const BiAttentionOptions& o) : o_(o) {
  o.validate();
  v_proj = register_module("v_proj", xavier_linear(o.v_dim, o.embed_dim));
  l_proj = register_module("l_proj", xavier_linear(o.l_dim, o.embed_dim));
  values_v_proj = register_module("values_v_proj", xavier_linear(o.v_dim, o.embed_dim));
  values_l_proj = register_module("values_l_proj", xavier_linear(o.l_dim, o.embed_dim));
  out_v_proj = register_module("out_v_proj", xavier_linear(o.embed_dim, o.v_dim));
  out_l_proj = register_module("out_l_proj", xavier_linear(o.embed_dim, o.l_dim));
}

std::pair<at::Tensor, at::Tensor> BiMultiHeadAttentionImpl::forward(const at::Tensor& v, const at::Tensor& l,
                                                                    const at::Tensor& mask_l) {
  GLIP_CHECK_INPUT(v.dim() == 3 && v.size(2) == o_.v_dim, "bi-attention: visual input must be [B, N, ", o_.v_dim,
                   "], got ", v.sizes());
  GLIP_CHECK_INPUT(l.dim() == 3 && l.size(2) == o_.l_dim && l.size(0) == v.size(0),
                   "bi-attention: language input must be [", v.size(0), ", T, ", o_.l_dim, "], got ", l.sizes());
  const int64_t B = v.size(0), N = v.size(1), T = l.size(1), H = o_.num_heads, D = o_.embed_dim / H;
  GLIP_CHECK_INPUT(!mask_l.defined() || (mask_l.dim() == 2 && mask_l.size(0) == B && mask_l.size(1) == T),
                   "bi-attention: mask must be [", B, ", ", T, "], got ", mask_l.sizes());
  const double scale = 1.0 / std::sqrt(static_cast<double>(D));
  const bool train = is_training() && o_.dropout > 0.0;

  // Projections stay [B, L, E]; per image, heads are strided [H, L, D] views (no transposed copies).
  // Official: v_proj(v) * scale. Where the scale is a power of two (GLIP's 256-wide heads: 1/16) it rides on the
  // product and the bias add instead, one pass less over [B, N, E] with bit-identical values; other scales (the tiny
  // model's 32-wide heads) keep the official rounding.
  int exponent = 0;
  const bool exact_scale = std::frexp(scale, &exponent) == 0.5;
  const bool fold = folds(N, T);
  auto k = l_proj(l);
  auto vl = values_l_proj(l);
  at::Tensor q, vv;  // not formed by the folded block
  if (!fold) {
    q = exact_scale ? ops::linear(v, v_proj->weight, v_proj->bias, scale) : v_proj(v) * scale;
    vv = values_v_proj(v);
  }
  auto heads = [&](const at::Tensor& x, int64_t b) { return x[b].view({x.size(1), H, D}).transpose(0, 1); };

  std::vector<at::Tensor> out_v(B), out_l(B), scores(B);
  auto scores_of = [&](int64_t b) { return ops::matmul(heads(q, b), heads(k, b).transpose(1, 2)); };  // [H, N, T]
  at::Tensor batch_max;
  if (o_.stable_softmax_2d) {
    // Official: attn_weights - attn_weights.max() over the whole [B * H, N, T] batch, not per image (the shift
    // decides what the +-50000 clamps cut); so every image's scores first.
    std::vector<at::Tensor> maxima(B);
    for (int64_t b = 0; b < B; ++b) maxima[b] = (scores[b] = scores_of(b)).max();
    batch_max = at::stack(maxima).max();
  }
  // The official composition (training, stable_softmax_2d, other devices): clamp, the text side's softmax over the
  // pixels, the image side's masked softmax over the tokens, dropout, then the two value products.
  auto attend = [&](int64_t b) -> std::pair<at::Tensor, at::Tensor> {
    auto s = o_.stable_softmax_2d ? scores[b] - batch_max : (scores[b].defined() ? scores[b] : scores_of(b));
    scores[b] = at::Tensor();
    s = clamp_pm(s, o_.clamp_min, o_.clamp_max);

    // Text side: for each token, softmax over all pixels (dim 1), padded pixels included.
    // max(dim) also finds the indices (LibTorch 1.13: ~0.15 s of a GLIP-T block); amax gives the same values. The
    // gradients differ only where two pixels tie for a token's maximum, so training keeps the official max.
    auto sl = s - (at::GradMode::is_enabled() ? std::get<0>(s.max(1, /*keepdim=*/true)) : s.amax(1, /*keepdim=*/true));
    sl = at::softmax(clamp_pm(sl, o_.clamp_min, o_.clamp_max), 1);
    // Image side: padded tokens get -9e15 (real tokens get their mask value, a constant shift per row).
    at::Tensor sv = s;
    if (mask_l.defined()) {
      auto m = mask_l[b].to(s.scalar_type());
      sv = s + m.masked_fill(m == 0, -9e15).view({1, 1, T});
    }
    sv = at::softmax(sv, 2);
    if (train) {
      sv = ops::dropout(sv, o_.dropout, true);
      sl = ops::dropout(sl, o_.dropout, true);
    }
    return std::make_pair(ops::matmul(sv, heads(vl, b)),                   // [H, N, D]
                          ops::matmul(sl.transpose(1, 2), heads(vv, b)));  // [H, T, D]
  };
  for (int64_t b = 0; b < B; ++b) {
    if (fold) {
      std::tie(out_v[b], out_l[b]) =
          folded(v[b], heads(k, b), heads(vl, b), mask_l.defined() ? mask_l[b] : at::Tensor());
      continue;
    }
    at::Tensor ov, ol;  // [N, H * D] and [H, T, D]
    if (!train && !o_.stable_softmax_2d) {
      auto s = scores_of(b);
      if (ops::supports_fused_bi_attention_softmax(s)) {  // inference on the CPU: the same softmaxes in 2 passes
        auto p = ops::bi_attention_softmax(s, mask_l.defined() ? mask_l[b] : at::Tensor(), o_.clamp_min, o_.clamp_max);
        ov = at::empty({N, H * D}, s.options());  // each head's product written into its columns: no transposed copy
        ops::matmul_out(ov.view({N, H, D}).transpose(0, 1), p.probs_v, heads(vl, b));
        ol = ops::matmul(p.exp_l.transpose(1, 2), heads(vv, b)) * p.inv_sum_l.unsqueeze(2);
      } else {
        scores[b] = s;
      }
    }
    if (!ov.defined()) {
      std::tie(ov, ol) = attend(b);
      ov = ov.transpose(0, 1).reshape({N, H * D});
    }
    out_v[b] = out_v_proj(ov);
    out_l[b] = out_l_proj(ol.transpose(0, 1).reshape({T, H * D}));
  }
  return {at::stack(out_v), at::stack(out_l)};
}

bool BiMultiHeadAttentionImpl::folds(int64_t N, int64_t T) const {
  if (o_.fold == FusionFold::never || is_training() || o_.stable_softmax_2d || at::GradMode::is_enabled()) return false;
  const auto& w = v_proj->weight;
  if (!w.device().is_cpu() || w.scalar_type() != at::kFloat) return false;
  return o_.fold == FusionFold::always || bi_attention_flops(o_, N, T).fold_pays();
}

std::pair<at::Tensor, at::Tensor> BiMultiHeadAttentionImpl::folded(const at::Tensor& v, const at::Tensor& k,
                                                                   const at::Tensor& vl, const at::Tensor& mask) {
  // v [N, C] of one image; k, vl [H, T, D] (its heads' K and V_l); mask [T] or undefined. Names as in the header.
  const int64_t N = v.size(0), C = o_.v_dim, H = k.size(0), T = k.size(1), D = k.size(2);
  const double scale = 1.0 / std::sqrt(static_cast<double>(D));
  auto a = ops::matmul(k, v_proj->weight.view({H, D, C})).mul_(scale);               // [H, T, C]
  auto c = ops::matmul(k, v_proj->bias.view({H, D, 1})).mul_(scale);                 // [H, T, 1]
  auto s = ops::linear(v, a.view({H * T, C}), c.view({H * T}));                      // [N, H * T]
  auto heads_view = s.view({N, H, T}).transpose(0, 1);                               // [H, N, T], pixel-major
  auto p = ops::bi_attention_softmax(heads_view, mask, o_.clamp_min, o_.clamp_max);  // s becomes exp_l
  // out_v = P_v U + b_o: U_h = V_l,h W_o,h^T, W_o [C, H * D] read as [H, D, C].
  auto u = ops::matmul(vl, out_v_proj->weight.view({C, H, D}).permute({1, 2, 0}));  // [H, T, C]
  auto probs = p.probs_v.transpose(0, 1).reshape({N, H * T});                       // a view: pixel-major
  auto ov = ops::linear(probs, u.view({H * T, C}).t(), out_v_proj->bias);           // [N, C]
  // out_l,h = (P_l,h^T v) W_vv,h^T + b_vv,h, with P_l,h = exp_l,h / sum over the pixels.
  auto g = ops::matmul(s.t().unsqueeze(0), v.unsqueeze(0)).view({H, T, C});  // exp_l^T v
  g.mul_(p.inv_sum_l.unsqueeze(2));
  auto w_vv = values_v_proj->weight.view({H, D, C}).transpose(1, 2);         // [H, C, D]
  auto ol = ops::matmul(g, w_vv).add_(values_v_proj->bias.view({H, 1, D}));  // [H, T, D]
  return {ov, out_l_proj(ol.transpose(0, 1).reshape({T, H * D}))};
}

BiAttentionBlockImpl::BiAttentionBlockImpl(const BiAttentionOptions& o) {
  layer_norm_v = register_module("layer_norm_v", torch::nn::LayerNorm(torch::nn::LayerNormOptions({o.v_dim})));
  layer_norm_l = register_module("layer_norm_l", torch::nn::LayerNorm(torch::nn::LayerNormOptions({o.l_dim})));
  attn = register_module("attn", BiMultiHeadAttention(o));
  gamma_v = register_parameter("gamma_v", torch::full({o.v_dim}, o.init_gamma));
  gamma_l = register_parameter("gamma_l", torch::full({o.l_dim}, o.init_gamma));
}

std::pair<at::Tensor, at::Tensor> BiAttentionBlockImpl::forward(const at::Tensor& v, const at::Tensor& l,
                                                                const at::Tensor& mask_l) {
  RECORD_USER_SCOPE("glip::BiAttentionBlock");  // a scope in LibTorch's profiler
  auto vn = layer_norm_v(v);
  auto ln = layer_norm_l(l);
  auto [dv, dl] = attn(vn, ln, mask_l);
  return {vn + gamma_v * dv, ln + gamma_l * dl};
}

at::Tensor flatten_levels(const std::vector<at::Tensor>& levels) {
  GLIP_CHECK_INPUT(!levels.empty(), "fusion: no visual levels");
  std::vector<at::Tensor> flat;
  flat.reserve(levels.size());
  for (const auto& x : levels) {
    GLIP_CHECK_INPUT(x.dim() == 4 && x.size(0) == levels[0].size(0) && x.size(1) == levels[0].size(1),
                     "fusion: visual levels must be [B, C, h, w] with one B and C, got ", x.sizes());
    flat.push_back(x.flatten(2).transpose(1, 2));
  }
  return flat.size() == 1 ? flat[0].contiguous() : at::cat(flat, 1);
}

std::vector<at::Tensor> split_levels(const at::Tensor& x, const std::vector<std::pair<int64_t, int64_t>>& sizes) {
  auto t = x.transpose(1, 2).contiguous();  // [B, C, N]
  std::vector<at::Tensor> out;
  out.reserve(sizes.size());
  int64_t start = 0;
  for (auto [h, w] : sizes) {
    out.push_back(t.narrow(2, start, h * w).view({t.size(0), t.size(1), h, w}));
    start += h * w;
  }
  GLIP_CHECK(start == t.size(2), "fusion: level sizes cover ", start, " of ", t.size(2), " positions");
  return out;
}

std::pair<std::vector<at::Tensor>, at::Tensor> BiAttentionBlockImpl::forward_levels(
    const std::vector<at::Tensor>& levels, const at::Tensor& l, const at::Tensor& mask_l) {
  std::vector<std::pair<int64_t, int64_t>> sizes;
  for (const auto& x : levels) sizes.emplace_back(x.size(2), x.size(3));
  auto [v, new_l] = forward(flatten_levels(levels), l, mask_l);
  return {split_levels(v, sizes), new_l};
}

VLFuseImpl::VLFuseImpl(const BiAttentionOptions& o) { b_attn = register_module("b_attn", BiAttentionBlock(o)); }

std::pair<std::vector<at::Tensor>, at::Tensor> VLFuseImpl::forward(const std::vector<at::Tensor>& levels,
                                                                   const at::Tensor& hidden, const at::Tensor& masks) {
  return b_attn->forward_levels(levels, hidden, masks);
}

}  // namespace glip::modeling
