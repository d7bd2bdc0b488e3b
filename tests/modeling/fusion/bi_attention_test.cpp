// X-MHA unit tests: batch/per-image consistency, fp32 extremes, gradients, level flattening, bad input.
#include <gtest/gtest.h>

#include <cmath>

#include "common/test_utils.h"
#include "glip/core/error.h"
#include "glip/modeling/fusion/bi_attention.h"

namespace glip::modeling {
namespace {

BiAttentionOptions tiny() {
  BiAttentionOptions o;
  o.v_dim = 8;
  o.l_dim = 12;
  o.embed_dim = 16;
  o.num_heads = 2;
  return o;
}

std::vector<at::Tensor> levels(int64_t B, int64_t C) {
  return {torch::randn({B, C, 4, 5}), torch::randn({B, C, 2, 3}), torch::randn({B, C, 1, 1})};
}

TEST(BiAttention, FlattenSplitRoundTripInOfficialOrder) {
  auto lv = levels(2, 3);
  auto flat = flatten_levels(lv);
  ASSERT_EQ(flat.sizes(), (at::IntArrayRef{2, 27, 3}));
  // position 20 is level 1, row 0, col 0
  EXPECT_TRUE(flat[1][20].equal(lv[1][1].select(1, 0).select(1, 0)));
  auto back = split_levels(flat, {{4, 5}, {2, 3}, {1, 1}});
  for (size_t i = 0; i < lv.size(); ++i) EXPECT_TRUE(back[i].equal(lv[i]));
}

TEST(BiAttention, BatchWithDifferentCaptionsEqualsPerImage) {
  torch::manual_seed(0);
  VLFuse f(tiny());
  f->eval();
  auto lv = levels(2, 8);
  auto l = torch::randn({2, 6, 12});
  auto mask = torch::tensor({{1, 1, 1, 1, 1, 1}, {1, 1, 1, 0, 0, 0}});
  torch::NoGradGuard g;
  auto [v, nl] = f->forward(lv, l, mask);
  for (int64_t b = 0; b < 2; ++b) {
    std::vector<at::Tensor> one;
    for (auto& x : lv) one.push_back(x.narrow(0, b, 1));
    auto [v1, l1] = f->forward(one, l.narrow(0, b, 1), mask.narrow(0, b, 1));
    for (size_t i = 0; i < lv.size(); ++i) EXPECT_ALL_CLOSE(v[i].narrow(0, b, 1), v1[i], 1e-5, 1e-6);
    EXPECT_ALL_CLOSE(nl.narrow(0, b, 1), l1, 1e-5, 1e-6);
  }
  // Padded tokens do not influence the visual update: changing them leaves the visual output unchanged.
  auto l2 = l.clone();
  l2[1].narrow(0, 3, 3).normal_(0, 100);
  auto [v2, nl2] = f->forward(lv, l2, mask);
  for (size_t i = 0; i < lv.size(); ++i) EXPECT_ALL_CLOSE(v2[i][1], v[i][1], 1e-5, 1e-6);
}

TEST(BiAttention, Fp32ExtremesStayFinite) {
  torch::manual_seed(1);
  auto o = tiny();
  BiAttentionBlock blk(o);
  blk->eval();
  {
    torch::NoGradGuard g;  // scores far beyond +-50000 so that the clamps engage
    blk->attn->v_proj->weight.mul_(1e4);
    blk->attn->l_proj->weight.mul_(1e4);
  }
  auto v = torch::randn({2, 30, 8}) * 1e15;  // LayerNorm itself overflows beyond ~1e19, as upstream
  auto l = torch::randn({2, 5, 12}) * 1e-30;
  auto mask = torch::tensor({{1, 1, 0, 0, 0}, {0, 0, 0, 0, 0}});  // image 1: nothing but padding
  torch::NoGradGuard g;
  auto [nv, nl] = blk->forward(v, l, mask);
  EXPECT_TRUE(at::isfinite(nv).all().item<bool>());
  EXPECT_TRUE(at::isfinite(nl).all().item<bool>());
  auto folded_opts = o;
  folded_opts.fold = FusionFold::always;
  BiAttentionBlock folded(folded_opts);
  folded->eval();
  for (auto& p : folded->named_parameters()) p.value().copy_(blk->named_parameters()[p.key()]);
  auto [fv, fl] = folded->forward(v, l, mask);
  EXPECT_TRUE(at::isfinite(fv).all().item<bool>()) << "folded";
  EXPECT_TRUE(at::isfinite(fl).all().item<bool>()) << "folded";
}

// The official BiMultiHeadAttention.forward (maskrcnn_benchmark/utils/fuse_helper.py) on the whole batch, in eval:
// [B * H, N, T] scores, the stable-softmax shift by their one maximum, the +-50000 clamps, both softmaxes.
std::pair<at::Tensor, at::Tensor> official_forward(BiMultiHeadAttentionImpl& a, const BiAttentionOptions& o,
                                                   const at::Tensor& v, const at::Tensor& l, const at::Tensor& m) {
  const int64_t B = v.size(0), N = v.size(1), T = l.size(1), H = o.num_heads, D = o.embed_dim / H;
  auto shape = [&](const at::Tensor& x, int64_t len) {
    return x.view({B, len, H, D}).transpose(1, 2).contiguous().view({B * H, len, D});
  };
  auto q = shape(a.v_proj(v) * (1.0 / std::sqrt(static_cast<double>(D))), N);
  auto k = shape(a.l_proj(l), T), vv = shape(a.values_v_proj(v), N), vl = shape(a.values_l_proj(l), T);
  auto w = at::bmm(q, k.transpose(1, 2));
  if (o.stable_softmax_2d) w = w - w.max();
  w = w.clamp(-50000, 50000);
  auto wt = w.transpose(1, 2);
  auto wl = (wt - std::get<0>(wt.max(-1, true))).clamp(-50000, 50000).softmax(-1);
  auto mask = m.to(w.scalar_type()).view({B, 1, 1, T});
  mask = mask.masked_fill(mask == 0, -9e15);
  auto wv = (w.view({B, H, N, T}) + mask).view({B * H, N, T}).softmax(-1);
  auto ov = at::bmm(wv, vl).view({B, H, N, D}).transpose(1, 2).reshape({B, N, H * D});
  auto ol = at::bmm(wl, vv).view({B, H, T, D}).transpose(1, 2).reshape({B, T, H * D});
  return {a.out_v_proj(ov), a.out_l_proj(ol)};
}

TEST(BiAttention, StableSoftmaxShiftsByTheWholeBatchMaximumAsOfficial) {
  torch::manual_seed(4);
  auto o = tiny();
  o.stable_softmax_2d = true;
  BiMultiHeadAttention a(o);
  a->eval();
  torch::NoGradGuard g;
  // Image 0's scores reach ~1e5, image 1's stay small: shifted by the batch maximum, image 1's scores fall below
  // the -50000 clamp and its attention turns uniform, which a per-image shift would not do.
  auto v = torch::randn({2, 7, 8});
  v[0].mul_(1e4);
  auto l = torch::randn({2, 5, 12}) * 30;
  auto mask = torch::tensor({{1, 1, 1, 1, 0}, {1, 1, 1, 0, 0}});
  auto [ref_v, ref_l] = official_forward(*a, o, v, l, mask);
  ASSERT_GT(ref_l[0].abs().max().item<double>(), 0.0);
  auto [got_v, got_l] = a->forward(v, l, mask);
  EXPECT_ALL_CLOSE(got_v, ref_v, 1e-5, 1e-5);
  EXPECT_ALL_CLOSE(got_l, ref_l, 1e-5, 1e-5);
  // Without the shift the same module is the official one too.
  BiAttentionOptions plain = o;
  plain.stable_softmax_2d = false;
  BiMultiHeadAttention b(plain);
  b->eval();
  for (auto& p : b->named_parameters()) p.value().copy_(a->named_parameters()[p.key()]);
  auto [ref_v2, ref_l2] = official_forward(*b, plain, v, l, mask);
  auto [got_v2, got_l2] = b->forward(v, l, mask);
  EXPECT_ALL_CLOSE(got_v2, ref_v2, 1e-5, 1e-5);
  EXPECT_ALL_CLOSE(got_l2, ref_l2, 1e-5, 1e-5);
  EXPECT_FALSE(at::allclose(got_v2[1], got_v[1], 1e-3, 1e-3));  // the shift matters for image 1 here
}

// 4 heads of the given sizes.
BiAttentionOptions sized(int64_t v_dim, int64_t l_dim, int64_t embed_dim, FusionFold fold) {
  auto o = tiny();
  o.v_dim = v_dim;
  o.l_dim = l_dim;
  o.embed_dim = embed_dim;
  o.num_heads = 4;
  o.fold = fold;
  return o;
}

// In eval mode, every parameter (the biases too, zero at initialisation) drawn from N(0, std^2).
BiMultiHeadAttention random_attention(const BiAttentionOptions& o, double std) {
  BiMultiHeadAttention a(o);
  a->eval();
  torch::NoGradGuard g;
  for (auto& p : a->named_parameters()) p.value().normal_(0, std);
  return a;
}

BiMultiHeadAttention copy_of(const BiMultiHeadAttention& a, const BiAttentionOptions& o) {
  BiMultiHeadAttention b(o);
  b->eval();
  torch::NoGradGuard g;
  for (auto& p : b->named_parameters()) p.value().copy_(a->named_parameters()[p.key()]);
  return b;
}

// The folded block (the header's regrouping) against the official composition: padded tokens, an image of nothing but
// padding, pixels over two softmax row chunks, 1 and 2 threads, with random biases (zero at initialisation).
TEST(BiAttention, FoldedInferenceMatchesTheOfficialComposition) {
  torch::manual_seed(5);
  auto o = sized(24, 20, 64, FusionFold::always);
  auto a = random_attention(o, 0.3);
  torch::NoGradGuard g;
  auto v = torch::randn({3, 300, 24});
  auto l = torch::randn({3, 37, 20});
  auto mask = torch::ones({3, 37}, at::kLong);
  mask[0].narrow(0, 30, 7).zero_();
  mask[2].zero_();
  auto [ref_v, ref_l] = official_forward(*a, o, v, l, mask);
  const int threads = at::get_num_threads();
  for (int t : {1, 2}) {
    at::set_num_threads(t);
    auto [got_v, got_l] = a->forward(v, l, mask);
    EXPECT_ALL_CLOSE(got_v, ref_v, 1e-4, 1e-5);
    EXPECT_ALL_CLOSE(got_l, ref_l, 1e-4, 1e-5);
  }
  at::set_num_threads(threads);
  // Without a mask.
  auto [ref_v2, ref_l2] = official_forward(*a, o, v, l, torch::ones({3, 37}, at::kLong));
  auto [got_v2, got_l2] = a->forward(v, l, {});
  EXPECT_ALL_CLOSE(got_v2, ref_v2, 1e-4, 1e-5);
  EXPECT_ALL_CLOSE(got_l2, ref_l2, 1e-4, 1e-5);
}

// `automatic` folds only where that saves at least 1e8 FLOP per image: small blocks (the tiny model's) give the
// official composition's bits, large ones the folded block's.
TEST(BiAttention, AutomaticFoldingOnlyWhereItSavesWork) {
  torch::manual_seed(6);
  auto o = sized(64, 32, 512, FusionFold::automatic);
  auto a = random_attention(o, 0.05);
  torch::NoGradGuard g;
  auto never = o, always = o;
  never.fold = FusionFold::never;
  always.fold = FusionFold::always;
  auto n = copy_of(a, never), f = copy_of(a, always);
  auto l = torch::randn({1, 64, 32});
  // 300 pixels: 3 * 300 * 512 * 128 multiply-adds officially, 3 * 300 * 4 * 64 * 64 + 3 * 4 * 64 * 128 * 64 folded.
  auto small = torch::randn({1, 300, 64});
  auto [a_v, a_l] = a->forward(small, l, {});
  auto [n_v, n_l] = n->forward(small, l, {});
  auto [f_v, f_l] = f->forward(small, l, {});
  EXPECT_TRUE(torch::equal(a_v, n_v) && torch::equal(a_l, n_l)) << "small: the official composition";
  EXPECT_FALSE(torch::equal(a_v, f_v)) << "the folded block rounds differently";
  EXPECT_ALL_CLOSE(f_v, n_v, 1e-4, 1e-5);
  // 4,000 pixels save 2 * (786M - 197M) FLOP.
  auto large = torch::randn({1, 4000, 64});
  auto [a_v2, a_l2] = a->forward(large, l, {});
  auto [n_v2, n_l2] = n->forward(large, l, {});
  auto [f_v2, f_l2] = f->forward(large, l, {});
  EXPECT_TRUE(torch::equal(a_v2, f_v2) && torch::equal(a_l2, f_l2)) << "large: the folded block";
  EXPECT_ALL_CLOSE(a_v2, n_v2, 1e-4, 1e-5);
  EXPECT_ALL_CLOSE(a_l2, n_l2, 1e-4, 1e-5);
  // Recording a gradient keeps the official composition whatever the mode.
  torch::AutoGradMode on(true);
  auto [g_v, g_l] = f->forward(large, l, {});
  auto [o_v, o_l] = n->forward(large, l, {});
  EXPECT_TRUE(torch::equal(g_v, o_v) && torch::equal(g_l, o_l));
}

TEST(BiAttention, BackwardReachesEveryParameter) {
  torch::manual_seed(2);
  VLFuse f(tiny());
  f->train();
  auto lv = levels(2, 8);
  for (auto& x : lv) x.requires_grad_(true);
  auto l = torch::randn({2, 6, 12}, torch::requires_grad());
  auto [v, nl] = f->forward(lv, l, torch::ones({2, 6}, at::kLong));
  auto loss = nl.pow(2).sum();
  for (auto& x : v) loss = loss + x.pow(2).sum();
  loss.backward();
  for (auto& p : f->named_parameters()) {
    ASSERT_TRUE(p.value().grad().defined()) << p.key();
    EXPECT_TRUE(at::isfinite(p.value().grad()).all().item<bool>()) << p.key();
    EXPECT_GT(p.value().grad().abs().sum().item<double>(), 0.0) << p.key();
  }
  EXPECT_TRUE(lv[0].grad().defined());
}

TEST(BiAttention, RejectsBadShapes) {
  auto o = tiny();
  o.embed_dim = 15;
  EXPECT_THROW(BiMultiHeadAttention{o}, InputError);
  BiMultiHeadAttention a(tiny());
  EXPECT_THROW(a->forward(torch::randn({1, 4, 7}), torch::randn({1, 3, 12}), {}), InputError);
  EXPECT_THROW(a->forward(torch::randn({1, 4, 8}), torch::randn({1, 3, 12}), torch::ones({1, 4})), InputError);
}

}  // namespace
}  // namespace glip::modeling
