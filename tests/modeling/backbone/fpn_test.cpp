#include "glip/modeling/backbone/fpn.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "common/test_utils.h"
#include "glip/core/error.h"

namespace glip::modeling {

TEST(Fpn, MatchesAManualTopDownPath) {
  FPNOptions o;
  o.in_channels_list = {0, 4, 6, 8};
  o.out_channels = 5;
  FPN fpn(o);
  fpn->eval();
  torch::NoGradGuard ng;
  std::vector<at::Tensor> c{at::randn({2, 3, 20, 26}), at::randn({2, 4, 10, 13}), at::randn({2, 6, 5, 7}),
                            at::randn({2, 8, 3, 4})};
  for (auto& conv : fpn->inner_blocks) conv->bias.normal_();  // non-zero biases
  auto p = fpn(c);
  ASSERT_EQ(p.size(), 5u);
  auto conv = [](const torch::nn::Conv2d& m, const at::Tensor& x, int64_t stride) {
    return at::conv2d(x, m->weight, m->bias, {stride, stride}, {m->weight.size(2) / 2, m->weight.size(3) / 2});
  };
  auto near = [](const at::Tensor& x, const at::Tensor& like) {
    // nearest: src = floor(dst * in / out)
    auto ih = at::floor(at::arange(like.size(2), at::kDouble) * x.size(2) / like.size(2)).to(at::kLong);
    auto iw = at::floor(at::arange(like.size(3), at::kDouble) * x.size(3) / like.size(3)).to(at::kLong);
    return x.index_select(2, ih).index_select(3, iw);
  };
  auto i5 = conv(fpn->inner_blocks[2], c[3], 1);
  auto i4 = conv(fpn->inner_blocks[1], c[2], 1) + near(i5, c[2]);
  auto i3 = conv(fpn->inner_blocks[0], c[1], 1) + near(i4, c[1]);
  auto p5 = conv(fpn->layer_blocks[2], i5, 1);
  auto p6 = conv(fpn->p6, p5, 2);
  EXPECT_ALL_CLOSE(p[0], conv(fpn->layer_blocks[0], i3, 1), 1e-5, 1e-5);
  EXPECT_ALL_CLOSE(p[1], conv(fpn->layer_blocks[1], i4, 1), 1e-5, 1e-5);
  EXPECT_ALL_CLOSE(p[2], p5, 1e-5, 1e-5);
  EXPECT_ALL_CLOSE(p[3], p6, 1e-5, 1e-5);
  EXPECT_ALL_CLOSE(p[4], conv(fpn->p7, at::relu(p6), 2), 1e-5, 1e-5);
  // names as in the official checkpoints
  auto names = fpn->named_parameters().keys();
  for (const char* k : {"fpn_inner2.weight", "fpn_layer4.bias", "top_blocks.p6.weight", "top_blocks.p7.bias"}) {
    EXPECT_NE(std::find(names.begin(), names.end(), k), names.end()) << k;
  }
}

TEST(Fpn, DropBlockOnlyInTrainingAndDropsWholeBlocks) {
  auto x = at::ones({3, 4, 12, 12});
  EXPECT_TRUE(drop_block_2d(x, 0.3, 3, /*training=*/false).equal(x));
  torch::manual_seed(0);
  auto y = drop_block_2d(x, 0.3, 3, true);
  // identical across channels, zero or one common scale elsewhere
  EXPECT_TRUE(y.select(1, 0).equal(y.select(1, 3)));
  auto kept = (y != 0).to(at::kFloat);
  const double frac = kept.mean().item<double>();
  EXPECT_GT(frac, 0.2);
  EXPECT_LT(frac, 0.99);
  auto nonzero = y.masked_select(y != 0);
  EXPECT_NEAR(nonzero.min().item<double>(), nonzero.max().item<double>(), 1e-5);
  EXPECT_NEAR(y.sum().item<double>(), x.sum().item<double>(), 1e-2);  // rescaled to keep the sum
  // a dropped position is the centre of a 3x3 block of a seed: each zero has a 3x3 zero neighbourhood containing it
  auto z = (y.select(1, 0) == 0).to(at::kFloat).unsqueeze(1);
  auto eroded = -at::max_pool2d(-z, {3, 3}, {1, 1}, {1, 1});  // 1 where the full 3x3 is zero (inside the map)
  auto covered = at::max_pool2d(eroded, {3, 3}, {1, 1}, {1, 1});
  EXPECT_TRUE((covered.squeeze(1) >= z.squeeze(1)).all().item<bool>() || z.sum().item<double>() == 0);
}

TEST(Fpn, RejectsBadOptionsAndInputs) {
  FPNOptions o;
  o.in_channels_list = {4, 0};
  EXPECT_THROW(FPN{o}, InputError);
  o.in_channels_list = {4, 8};
  o.drop_prob = 1.5;
  EXPECT_THROW(FPN{o}, InputError);
  o.drop_prob = 0.3;
  FPN fpn(o);
  EXPECT_THROW(fpn->forward({at::randn({1, 4, 8, 8})}), Error);
}

}  // namespace glip::modeling
