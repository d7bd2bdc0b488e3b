#include "glip/modeling/backbone/swin.h"

#include <gtest/gtest.h>
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
        const int64_t ya = (w / 2) * 3 + a / 3, xa = (w % 2) * 3 + a % 3, yb = (w / 2) * 3 + b / 3, xb = (w % 2) * 3 + b % 3;
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
