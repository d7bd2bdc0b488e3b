#include "glip/modeling/head/loss_functions.h"

#include <gtest/gtest.h>

#include <cmath>

#include "common/test_utils.h"
#include "glip/core/error.h"

namespace glip::modeling {
namespace {
double sig(double x) { return 1 / (1 + std::exp(-x)); }
}  // namespace

TEST(SigmoidFocalLoss, MatchesNaiveFormula) {
  auto logits = at::randn({6, 3}, at::kDouble) * 3;
  auto labels = at::tensor({int64_t{0}, int64_t{1}, int64_t{3}, int64_t{2}, int64_t{-1}, int64_t{5}});
  const double gamma = 2, alpha = 0.25;
  double expected = 0;
  auto acc = logits.accessor<double, 2>();
  auto lab = labels.accessor<int64_t, 1>();
  for (int i = 0; i < 6; ++i)
    for (int c = 0; c < 3; ++c) {
      const double p = sig(acc[i][c]);
      if (lab[i] == c + 1) expected += -alpha * std::pow(1 - p, gamma) * std::log(p);
      else if (lab[i] >= 0) expected += -(1 - alpha) * std::pow(p, gamma) * std::log(1 - p);
    }
  EXPECT_NEAR(sigmoid_focal_loss(logits, labels, gamma, alpha).item<double>(), expected, 1e-10);
}

TEST(TokenFocalLoss, MatchesNaiveFormulaOverValidTokens) {
  auto logits = at::randn({2, 5, 4}, at::kDouble) * 3;
  auto targets = (at::rand({2, 5, 4}, at::kDouble) > 0.6).to(at::kDouble);
  targets[0][0][1] = 0.5;  // soft targets are allowed (the parity fixture uses them)
  auto mask =
      at::tensor({int64_t{1}, int64_t{1}, int64_t{1}, int64_t{0}, int64_t{1}, int64_t{0}, int64_t{0}, int64_t{0}})
          .view({2, 4});
  const double alpha = 0.25, gamma = 2;
  double expected = 0, expected_all = 0;
  for (int b = 0; b < 2; ++b)
    for (int a = 0; a < 5; ++a)
      for (int t = 0; t < 4; ++t) {
        const double x = logits[b][a][t].item<double>(), y = targets[b][a][t].item<double>(), p = sig(x);
        const double ce = -(y * std::log(p) + (1 - y) * std::log(1 - p));
        const double pt = p * y + (1 - p) * (1 - y);
        const double l = (alpha * y + (1 - alpha) * (1 - y)) * ce * std::pow(1 - pt, gamma);
        expected_all += l;
        if (mask[b][t].item<int64_t>() > 0) expected += l;
      }
  EXPECT_NEAR(token_sigmoid_binary_focal_loss(logits, targets, mask, alpha, gamma).item<double>(), expected, 1e-9);
  EXPECT_NEAR(token_sigmoid_binary_focal_loss(logits, targets, at::Tensor(), alpha, gamma).item<double>(), expected_all,
              1e-9);
  EXPECT_THROW(token_sigmoid_binary_focal_loss(logits, targets, at::ones({2, 3}), alpha, gamma), Error);
}

TEST(FocalLosses, FiniteForExtremeFp32Logits) {
  auto logits = at::tensor({1e4f, -1e4f, 3e38f, -3e38f, 0.f, 88.f}).view({2, 3}).requires_grad_();
  auto labels = at::tensor({int64_t{1}, int64_t{3}});
  auto l = sigmoid_focal_loss(logits, labels, 2, 0.25);
  l.backward();
  EXPECT_TRUE(std::isfinite(l.item<float>()));
  EXPECT_FALSE(logits.grad().isnan().any().item<bool>());

  auto tl = logits.detach().view({1, 2, 3}).clone().requires_grad_();
  auto tt = at::tensor({1.f, 0.f, 0.f, 1.f, 1.f, 0.f}).view({1, 2, 3});
  auto t = token_sigmoid_binary_focal_loss(tl, tt, at::ones({1, 3}, at::kLong), 0.25, 2);
  t.backward();
  EXPECT_TRUE(std::isfinite(t.item<float>()));
  EXPECT_FALSE(tl.grad().isnan().any().item<bool>());
}

TEST(GiouLoss, HandChecked) {
  auto a = at::tensor({0.f, 0.f, 1.f, 1.f}).view({1, 4});
  auto b = at::tensor({2.f, 0.f, 3.f, 1.f}).view({1, 4});
  // Disjoint unit squares, enclosing 3 x 1: GIoU = 0 - (3 - 2) / 3.
  EXPECT_NEAR(giou_loss(a, b, at::Tensor()).item<float>(), 1 + 1.0 / 3, 1e-6);
  EXPECT_NEAR(giou_loss(a, a, at::Tensor()).item<float>(), 0, 1e-6);
  // Half overlap: [0,0,2,1] vs [1,0,3,1]: IoU 1/3, enclosing = union -> loss 2/3.
  auto c = at::tensor({0.f, 0.f, 2.f, 1.f}).view({1, 4}), d = at::tensor({1.f, 0.f, 3.f, 1.f}).view({1, 4});
  EXPECT_NEAR(giou_loss(c, d, at::Tensor()).item<float>(), 2.0 / 3, 1e-6);
  // Weighted sum, and an inverted predicted box is raised to zero size without NaN.
  auto two_p = at::cat({a, c}), two_t = at::cat({b, d});
  EXPECT_NEAR(giou_loss(two_p, two_t, at::tensor({2.f, 0.5f})).item<float>(), 2 * (4.0 / 3) + 0.5 * (2.0 / 3), 1e-5);
  auto inv = at::tensor({5.f, 5.f, 1.f, 1.f}).view({1, 4}).requires_grad_();
  auto l = giou_loss(inv, b, at::Tensor());
  l.backward();
  EXPECT_TRUE(std::isfinite(l.item<float>()));
  EXPECT_FALSE(inv.grad().isnan().any().item<bool>());
}

}  // namespace glip::modeling
