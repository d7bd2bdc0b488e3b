#include "glip/modeling/backbone/swin.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <torch/torch.h>

#include "common/test_utils.h"
#include "glip/core/error.h"
#include "glip/modeling/backbone/backbone.h"

namespace glip::modeling {

TEST(Swin, StageShapesChannelsStridesForOddSizes) {
  SwinTransformer swin(SwinOptions::tiny(12));
  swin->eval();
  torch::NoGradGuard ng;
  auto outs = swin(at::randn({2, 3, 45, 61}));
  ASSERT_EQ(outs.size(), 4u);
  // patch embed: ceil(45/4)=12, ceil(61/4)=16; then ceil halves
  const std::vector<std::vector<int64_t>> expected{{2, 12, 12, 16}, {2, 24, 6, 8}, {2, 48, 3, 4}, {2, 96, 2, 2}};
  for (size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(outs[i].sizes().vec(), expected[i]);
    EXPECT_EQ(swin->out_stages()[i].channels, expected[i][1]);
    EXPECT_EQ(swin->out_stages()[i].stride, int64_t{4} << i);
    EXPECT_EQ(swin->out_stages()[i].name, "stage" + std::to_string(i + 2));
  }
}

TEST(Swin, RelativePositionIndexMatchesFormula) {
  WindowAttention attn(8, 3, 2, true, 0.0, 0.0);
  auto idx = attn->relative_position_index;
  EXPECT_EQ(idx.scalar_type(), at::kLong);
  for (int64_t a = 0; a < 9; ++a)
    for (int64_t b = 0; b < 9; ++b) {
      const int64_t dh = a / 3 - b / 3 + 2, dw = a % 3 - b % 3 + 2;
      EXPECT_EQ(idx[a][b].item<int64_t>(), dh * 5 + dw);
    }
}

TEST(Swin, ShiftMaskSeparatesRegions) {
  // Hp = Wp = 6, window 3, shift 1: regions along each axis are [0,3), [3,5), [5,6).
  auto mask = make_shift_mask(6, 6, 3, 1, at::kFloat);
  ASSERT_EQ(mask.sizes().vec(), (std::vector<int64_t>{4, 9, 9}));
  auto region = [](int64_t v) { return v < 3 ? 0 : (v < 5 ? 1 : 2); };
  for (int64_t w = 0; w < 4; ++w)
    for (int64_t a = 0; a < 9; ++a)
      for (int64_t b = 0; b < 9; ++b) {
        const int64_t ya = (w / 2) * 3 + a / 3, xa = (w % 2) * 3 + a % 3, yb = (w / 2) * 3 + b / 3,
                      xb = (w % 2) * 3 + b % 3;
        const bool same = region(ya) == region(yb) && region(xa) == region(xb);
        EXPECT_EQ(mask[w][a][b].item<float>(), same ? 0.0f : -100.0f);
      }
}

TEST(Swin, PatchMergingOfficialOrderWithOddPadding) {
  PatchMerging pm(2);
  auto x = at::randn({1, 3 * 5, 2});
  auto out = pm(x, 3, 5);
  auto v = at::constant_pad_nd(x.view({1, 3, 5, 2}), {0, 0, 0, 1, 0, 1});  // 4 x 6
  std::vector<at::Tensor> parts;
  for (auto [dy, dx] : std::vector<std::pair<int, int>>{{0, 0}, {1, 0}, {0, 1}, {1, 1}}) {
    parts.push_back(v.slice(1, dy, 4, 2).slice(2, dx, 6, 2));
  }
  auto ref = pm->reduction(pm->norm(at::cat(parts, -1).view({1, -1, 8})));
  EXPECT_ALL_CLOSE(out, ref, 1e-6, 1e-6);
  EXPECT_EQ(out.sizes().vec(), (std::vector<int64_t>{1, 6, 4}));
}

// Without a gradient, the window softmax runs fused (ops/window_softmax.h), the heads' products are written in place
// and the MLP's GELU works in place: the same values as the gradient path's ATen composition up to float rounding
// (odd sizes: padded windows; 4 blocks with shifted ones).
TEST(Swin, InferenceMatchesTheGradientPath) {
  torch::manual_seed(3);
  SwinTransformer swin(SwinOptions::tiny(12));
  swin->eval();
  auto x = at::randn({2, 3, 45, 61});
  std::vector<at::Tensor> with_grad;
  for (auto& y : swin(x)) with_grad.push_back(y.detach());
  torch::NoGradGuard ng;
  auto without = swin(x);
  for (size_t i = 0; i < without.size(); ++i) {
    const double scale = with_grad[i].abs().max().item<double>();
    EXPECT_LT((without[i] - with_grad[i]).abs().max().item<double>(), 1e-5 * scale) << "stage " << i;
  }
}

TEST(Swin, DropPathOnlyInTraining) {
  auto o = SwinOptions::tiny(12);
  o.drop_path_rate = 0.5;
  SwinTransformer swin(o);
  auto x = at::randn({4, 3, 32, 32});
  torch::NoGradGuard ng;
  swin->eval();
  auto a = swin(x)[3], b = swin(x)[3];
  EXPECT_TRUE(a.equal(b));
  swin->train();
  torch::manual_seed(1);
  auto c = swin(x)[3];
  EXPECT_FALSE(c.allclose(a));
}

TEST(Swin, FrozenStagesHaveNoGradientsAndStayInEval) {
  auto o = SwinOptions::tiny(12);
  o.frozen_stages = 2;
  SwinTransformer swin(o);
  swin->train();
  EXPECT_FALSE(swin->patch_embed->proj->weight.requires_grad());
  EXPECT_FALSE(swin->layers[0]->is_training());
  for (auto& p : swin->layers[0]->parameters()) EXPECT_FALSE(p.requires_grad());
  EXPECT_TRUE(swin->layers[1]->is_training());
  for (auto& p : swin->layers[1]->parameters()) EXPECT_TRUE(p.requires_grad());
}

TEST(Swin, BadOptionsAreRejected) {
  auto o = SwinOptions::tiny(12);
  o.num_heads = {5, 2, 3, 4};  // 12 channels / 5 heads
  EXPECT_THROW(SwinTransformer{o}, InputError);
  o = SwinOptions::tiny(12);
  o.out_features = {"stage7"};
  EXPECT_THROW(SwinTransformer{o}, InputError);
  o = SwinOptions::tiny(12);
  o.depths = {2, 2};
  EXPECT_THROW(SwinTransformer{o}, InputError);
}

TEST(Swin, GradientsReachEveryParameter) {
  SwinTransformer swin(SwinOptions::tiny(12));
  auto outs = swin(at::randn({1, 3, 30, 30}));
  at::Tensor loss = at::zeros({});
  for (auto& o : outs) loss = loss + o.pow(2).mean();
  loss.backward();
  for (auto& p : swin->named_parameters()) {
    ASSERT_TRUE(p.value().grad().defined()) << p.key();
    EXPECT_TRUE(p.value().grad().isfinite().all().item<bool>()) << p.key();
  }
}

// Naive PyTorch bicubic (align_corners=False): src = (dst + 0.5) * in/out - 0.5, Keys kernel A = -0.75, taps at
// floor(src) - 1 .. floor(src) + 2 clamped to the border.
static double naive_bicubic(const at::Tensor& img, int64_t oy, int64_t ox, int64_t out_h, int64_t out_w) {
  const int64_t in_h = img.size(0), in_w = img.size(1);
  auto cubic = [](double t) {
    const double A = -0.75;
    t = std::abs(t);
    if (t <= 1) return ((A + 2) * t - (A + 3)) * t * t + 1;
    if (t < 2) return ((A * t - 5 * A) * t + 8 * A) * t - 4 * A;
    return 0.0;
  };
  const double sy = (oy + 0.5) * static_cast<double>(in_h) / out_h - 0.5;
  const double sx = (ox + 0.5) * static_cast<double>(in_w) / out_w - 0.5;
  const int64_t fy = static_cast<int64_t>(std::floor(sy)), fx = static_cast<int64_t>(std::floor(sx));
  double acc = 0;
  for (int64_t dy = -1; dy <= 2; ++dy)
    for (int64_t dx = -1; dx <= 2; ++dx) {
      const int64_t y = std::clamp<int64_t>(fy + dy, 0, in_h - 1), x = std::clamp<int64_t>(fx + dx, 0, in_w - 1);
      acc += cubic(sy - (fy + dy)) * cubic(sx - (fx + dx)) * img[y][x].item<double>();
    }
  return acc;
}

TEST(Swin, PositionEmbeddingInterpolationIsThePyTorchBicubic) {
  auto embed = at::randn({1, 2, 7, 7}, at::kDouble);
  for (auto [h, w] : std::vector<std::pair<int64_t, int64_t>>{{7, 7}, {12, 16}, {3, 5}, {20, 9}}) {
    auto out = interpolate_pos_embed(embed, h, w);
    ASSERT_EQ(out.sizes().vec(), (std::vector<int64_t>{1, 2, h, w}));
    for (int64_t c = 0; c < 2; ++c)
      for (int64_t y = 0; y < h; ++y)
        for (int64_t x = 0; x < w; ++x)
          EXPECT_NEAR(out[0][c][y][x].item<double>(), naive_bicubic(embed[0][c], y, x, h, w), 1e-9)
              << h << "x" << w << " c" << c << " (" << y << "," << x << ")";
  }
  // Same size: the embedding itself.
  EXPECT_TRUE(at::allclose(interpolate_pos_embed(embed, 7, 7), embed, 0, 1e-12));
}

TEST(Swin, AbsolutePositionEmbeddingOfficialKeyShapeAndFreezing) {
  auto o = SwinOptions::tiny(12);
  EXPECT_FALSE(SwinTransformer(o)->named_parameters().contains("absolute_pos_embed"));
  o.ape = true;
  SwinTransformer swin(o);
  const auto params = swin->named_parameters();
  ASSERT_TRUE(params.contains("absolute_pos_embed"));
  const at::Tensor p = params["absolute_pos_embed"];
  EXPECT_EQ(p.sizes().vec(), (std::vector<int64_t>{1, 12, 56, 56}));
  EXPECT_TRUE(p.requires_grad());
  // Not .sum(): each output level ends in a LayerNorm, and the gradient of a LayerNorm's channel sum with respect
  // to its input is zero up to rounding (it was exactly 0 on CI's CPU). Squares give a real gradient.
  swin(at::randn({1, 3, 45, 61})).back().pow(2).mean().backward();
  ASSERT_TRUE(p.grad().defined());
  EXPECT_GT(p.grad().abs().sum().item<double>(), 0.0);
  o.frozen_stages = 1;
  EXPECT_FALSE(SwinTransformer(o)->absolute_pos_embed.requires_grad());
  o.frozen_stages = 0;
  EXPECT_TRUE(SwinTransformer(o)->absolute_pos_embed.requires_grad());
  o.pretrain_img_size = 2;
  EXPECT_THROW(SwinTransformer{o}, InputError);
}

TEST(Swin, AbsolutePositionEmbeddingIsAddedAfterThePatchNorm) {
  // A per-channel constant embedding interpolates to itself at any size, so it must act exactly like adding that
  // constant to the patch embedding's LayerNorm bias in a model without APE.
  auto o = SwinOptions::tiny(12);
  o.ape = true;
  SwinTransformer with(o);
  o.ape = false;
  SwinTransformer without(o);
  torch::NoGradGuard ng;
  auto c = at::randn({12});
  with->absolute_pos_embed.copy_(c.view({1, 12, 1, 1}).expand_as(with->absolute_pos_embed));
  for (const auto& kv : with->named_parameters()) {
    if (kv.key() != "absolute_pos_embed") without->named_parameters()[kv.key()].copy_(kv.value());
  }
  auto buffers = without->named_buffers();
  for (const auto& kv : with->named_buffers()) buffers[kv.key()].copy_(kv.value());
  without->patch_embed->norm->bias.add_(c);
  with->eval();
  without->eval();
  auto x = at::randn({2, 3, 45, 61});
  auto a = with(x), b = without(x);
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) EXPECT_TRUE(at::allclose(a[i], b[i], 1e-4, 1e-5)) << "stage " << i;
  // And the embedding matters: a different one changes the output.
  with->absolute_pos_embed.normal_(0, 1);
  EXPECT_FALSE(at::allclose(with(x)[0], a[0], 1e-3, 1e-3));
}

TEST(Backbone, TinyVariantProducesFiveLevels) {
  Backbone b(BackboneOptions::tiny(12, 16));
  b->eval();
  torch::NoGradGuard ng;
  auto p = b(at::randn({1, 3, 64, 96}));
  ASSERT_EQ(p.size(), 5u);
  const std::vector<std::vector<int64_t>> hw{{8, 12}, {4, 6}, {2, 3}, {1, 2}, {1, 1}};
  for (size_t l = 0; l < 5; ++l) {
    EXPECT_EQ(p[l].size(1), 16);
    EXPECT_EQ(p[l].size(2), hw[l][0]);
    EXPECT_EQ(p[l].size(3), hw[l][1]);
    EXPECT_EQ(b->levels()[l].stride, int64_t{8} << l);
  }
}

}  // namespace glip::modeling
