// glip::ops::dropout against its definition (a mask of 0 or 1 / (1 - p), kept with probability 1 - p) and
// at::dropout's contract: identity outside training, gradients through the same mask, reproducible per seed.
#include "glip/ops/dropout.h"

#include <ATen/Parallel.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>

#include "glip/core/error.h"

namespace glip {
namespace {

TEST(Dropout, KeepsOneMinusPOfTheElementsScaledAndZeroesTheRest) {
  torch::manual_seed(0);
  const double p = 0.1;
  auto x = torch::rand({1000, 1000}) + 0.5;  // no zeros of its own
  auto y = ops::dropout(x, p, true);
  auto kept = y != 0;
  const double frac = kept.to(torch::kDouble).mean().item<double>();
  // 1e6 Bernoulli(0.9) draws: standard deviation 3e-4; 5 sigma.
  EXPECT_NEAR(frac, 1.0 - p, 1.5e-3);
  EXPECT_TRUE(torch::allclose(y.masked_select(kept), x.masked_select(kept) / (1.0 - p), 1e-6, 0));
  // No long runs: the mask of each 1,000-element row keeps between 850 and 950 elements.
  auto per_row = kept.sum(1);
  EXPECT_GE(per_row.min().item<int64_t>(), 850);
  EXPECT_LE(per_row.max().item<int64_t>(), 950);
}

TEST(Dropout, IsTheIdentityOutsideTrainingOrAtZeroAndZeroAtOne) {
  auto x = torch::randn({7, 5});
  EXPECT_TRUE(ops::dropout(x, 0.3, false).is_same(x));
  EXPECT_TRUE(ops::dropout(x, 0.0, true).is_same(x));
  EXPECT_EQ(ops::dropout(x, 1.0, true).abs().sum().item<double>(), 0.0);
  EXPECT_THROW(ops::dropout(x, 1.5, true), InputError);
  EXPECT_THROW(ops::dropout(x, -0.1, true), InputError);
}

TEST(Dropout, FollowsTheSeedDrawsAFreshMaskPerCallAndIgnoresTheThreadCount) {
  auto x = torch::ones({257, 129});
  const int threads = at::get_num_threads();
  at::set_num_threads(1);
  torch::manual_seed(3);
  auto a = ops::dropout(x, 0.5, true);
  auto b = ops::dropout(x, 0.5, true);
  at::set_num_threads(2);
  torch::manual_seed(3);
  auto a2 = ops::dropout(x, 0.5, true);
  at::set_num_threads(threads);
  EXPECT_TRUE(torch::equal(a, a2)) << "same seed, other thread count";
  EXPECT_FALSE(torch::equal(a, b)) << "the second call must draw a new mask";
  // Masks of two calls agree on about half of the elements at p = 0.5 (independent draws).
  const double agree = (a == b).to(torch::kDouble).mean().item<double>();
  EXPECT_NEAR(agree, 0.5, 0.02);
}

TEST(Dropout, NonContiguousInputsUseTheLogicalShape) {
  torch::manual_seed(1);
  auto x = torch::rand({64, 32}) + 1.0;
  auto y = ops::dropout(x.t(), 0.25, true);
  ASSERT_EQ(y.sizes(), x.t().sizes());
  auto kept = y != 0;
  EXPECT_TRUE(torch::allclose(y.masked_select(kept), x.t().masked_select(kept) / 0.75, 1e-6, 0));
}

// The gradient is the same mask: d(sum(w * dropout(x)))/dx = w * mask, checked in float64 by gradcheck-style
// comparison with the forward's own mask (x = 1 gives the mask itself).
TEST(Dropout, GradientsGoThroughTheSameMask) {
  torch::manual_seed(2);
  auto x = torch::ones({40, 30}, torch::kDouble).requires_grad_(true);
  auto w = torch::randn({40, 30}, torch::kDouble);
  auto y = ops::dropout(x, 0.2, true);
  (y * w).sum().backward();
  EXPECT_TRUE(torch::allclose(x.grad(), w * y.detach(), 1e-12, 0));
  EXPECT_FALSE(y.detach().eq(0).all().item<bool>());
}

}  // namespace
}  // namespace glip
