#include "glip/modeling/head/atss_loss.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "common/test_utils.h"
#include "glip/core/error.h"
#include "glip/modeling/head/anchor_generator.h"

namespace glip::modeling {
namespace {

constexpr int64_t kTokens = 5;

// A tiny two-level head (grids 4x4 at stride 8 and 2x2 at stride 16) for a batch of two 32x32 images.
struct Tiny {
  HeadOutputs out;
  std::vector<at::Tensor> anchors;
  at::Tensor text_masks;
  AtssLossOptions options;

  explicit Tiny(at::ScalarType dtype = at::kFloat, double scale = 1.0) {
    AnchorGeneratorOptions ao;
    ao.sizes = {32, 64};
    ao.strides = {8, 16};
    anchors = AnchorGenerator(ao)->forward(std::vector<std::array<int64_t, 2>>{{4, 4}, {2, 2}});
    auto o = at::TensorOptions().dtype(dtype);
    for (int64_t s : {4, 2}) {
      out.box_cls.push_back((at::randn({2, 3, s, s}, o) * scale).requires_grad_());
      out.box_regression.push_back((at::randn({2, 4, s, s}, o) * 0.5 * scale).requires_grad_());
      out.centerness.push_back((at::randn({2, 1, s, s}, o) * scale).requires_grad_());
      out.dot_product_logits.push_back((at::randn({2, s * s, kTokens}, o) * scale).requires_grad_());
    }
    text_masks = at::tensor({int64_t{1}, int64_t{1}, int64_t{1}, int64_t{1}, int64_t{0}, int64_t{1}, int64_t{1},
                             int64_t{1}, int64_t{0}, int64_t{0}})
                     .view({2, kTokens});
    options.assigner.topk = 3;
  }
};

GroundingTarget boxes_target() {
  GroundingTarget t;
  t.boxes = at::tensor({2.f, 3.f, 20.f, 25.f, 10.f, 8.f, 30.f, 31.f}).view({2, 4});
  t.labels = at::tensor({int64_t{1}, int64_t{2}});
  t.positive_map = at::tensor({0.f, 0.5f, 0.5f, 0.f, 0.f, 0.f, 0.f, 0.f, 1.f, 0.f}).view({2, kTokens});
  return t;
}

GroundingTarget empty_target() {
  GroundingTarget t;
  t.boxes = at::zeros({0, 4});
  t.labels = at::zeros({0}, at::kLong);
  t.positive_map = at::zeros({0, kTokens});
  return t;
}

at::Tensor total(const AtssLossOutput& l) {
  return l.loss_cls + l.loss_reg + l.loss_centerness + l.loss_dot_product_token;
}

std::vector<at::Tensor> all_inputs(const HeadOutputs& o) {
  std::vector<at::Tensor> v;
  for (const auto* group : {&o.box_cls, &o.box_regression, &o.centerness, &o.dot_product_logits})
    v.insert(v.end(), group->begin(), group->end());
  return v;
}

}  // namespace

TEST(AtssLoss, EmptyGroundTruthForwardAndBackward) {
  Tiny t;
  AtssLoss loss(t.options);
  auto l = loss(t.out, t.anchors, {empty_target(), empty_target()}, t.text_masks);
  EXPECT_EQ(l.loss_reg.item<float>(), 0.f);
  EXPECT_EQ(l.loss_centerness.item<float>(), 0.f);
  EXPECT_GT(l.loss_dot_product_token.item<float>(), 0.f);
  EXPECT_GT(l.loss_cls.item<float>(), 0.f);
  EXPECT_TRUE(l.loss_reg.requires_grad());
  EXPECT_TRUE(l.loss_centerness.requires_grad());
  total(l).backward();
  for (const auto& x : all_inputs(t.out)) {
    ASSERT_TRUE(x.grad().defined());
    EXPECT_FALSE(x.grad().isnan().any().item<bool>());
  }
  // No positives: regression and centerness get zero gradient, the token logits do learn "no object".
  EXPECT_EQ(t.out.box_regression[0].grad().abs().sum().item<float>(), 0.f);
  EXPECT_GT(t.out.dot_product_logits[0].grad().abs().sum().item<float>(), 0.f);
  for (const auto& a : l.targets) EXPECT_EQ(a.labels.sum().item<int64_t>(), 0);
}

TEST(AtssLoss, MixedBatchWithOneEmptyImage) {
  Tiny t;
  AtssLoss loss(t.options);
  auto l = loss(t.out, t.anchors, {boxes_target(), empty_target()}, t.text_masks);
  EXPECT_GT(l.targets[0].labels.gt(0).sum().item<int64_t>(), 0);
  EXPECT_EQ(l.targets[1].labels.gt(0).sum().item<int64_t>(), 0);
  EXPECT_GT(l.loss_reg.item<float>(), 0.f);
  EXPECT_GT(l.loss_centerness.item<float>(), 0.f);
  total(l).backward();
  EXPECT_GT(t.out.box_regression[0].grad()[0].abs().sum().item<float>(), 0.f);
  EXPECT_EQ(t.out.box_regression[0].grad()[1].abs().sum().item<float>(), 0.f);
  // Binarised token targets by default; the positives' rows are 0/1.
  auto tl = l.targets[0].token_labels;
  EXPECT_TRUE(at::equal(tl, (tl > 0).to(tl.scalar_type())));
}

TEST(AtssLoss, NoNanWithExtremeFp32Outputs) {
  Tiny t(at::kFloat, 1e4);
  AtssLoss loss(t.options);
  auto l = loss(t.out, t.anchors, {boxes_target(), boxes_target()}, t.text_masks);
  auto sum = total(l);
  EXPECT_TRUE(std::isfinite(sum.item<float>()));
  sum.backward();
  for (const auto& x : all_inputs(t.out)) EXPECT_FALSE(x.grad().isnan().any().item<bool>());
}

TEST(AtssLoss, IgnoredTokensLeaveTheTokenLossAsPaddingDoes) {
  Tiny t;
  AtssLoss loss(t.options);
  // Image 0 ignores token 0 (no box names it): the same loss as with token 0 masked out like padding, and no
  // gradient reaches its logits; the other tokens, image 1 and the box losses are untouched.
  GroundingTarget ignoring = boxes_target();
  ignoring.ignored_tokens = at::zeros({kTokens}, at::kBool);
  ignoring.ignored_tokens[0] = true;
  auto l = loss(t.out, t.anchors, {ignoring, boxes_target()}, t.text_masks);
  at::Tensor masked = t.text_masks.clone();
  masked[0][0] = 0;
  auto ref = loss(t.out, t.anchors, {boxes_target(), boxes_target()}, masked);
  auto plain = loss(t.out, t.anchors, {boxes_target(), boxes_target()}, t.text_masks);
  EXPECT_EQ(l.loss_dot_product_token.item<float>(), ref.loss_dot_product_token.item<float>());
  EXPECT_NE(l.loss_dot_product_token.item<float>(), plain.loss_dot_product_token.item<float>());
  EXPECT_EQ(l.loss_reg.item<float>(), plain.loss_reg.item<float>());
  l.loss_dot_product_token.backward();
  for (const auto& logits : t.out.dot_product_logits) {
    EXPECT_EQ(logits.grad()[0].select(1, 0).abs().sum().item<float>(), 0.f);
    EXPECT_GT(logits.grad()[0].select(1, 2).abs().sum().item<float>(), 0.f);
    EXPECT_GT(logits.grad()[1].select(1, 0).abs().sum().item<float>(), 0.f);
  }
  // Without text masks, ignoring still applies; a wrongly sized mask is refused.
  auto unmasked = loss(t.out, t.anchors, {ignoring, boxes_target()}, at::Tensor());
  at::Tensor all = at::ones({2, kTokens}, at::kLong);
  all[0][0] = 0;
  EXPECT_EQ(unmasked.loss_dot_product_token.item<float>(),
            loss(t.out, t.anchors, {boxes_target(), boxes_target()}, all).loss_dot_product_token.item<float>());
  ignoring.ignored_tokens = at::zeros({kTokens + 1}, at::kBool);
  EXPECT_THROW(loss(t.out, t.anchors, {ignoring, boxes_target()}, t.text_masks), std::exception);
}

TEST(AtssLoss, DistributedNormalisersUseTheHook) {
  Tiny t;
  auto base = AtssLoss(t.options)(t.out, t.anchors, {boxes_target(), boxes_target()}, t.text_masks);
  // Two processes with identical data: sums double, world size 2 -> the same averages.
  auto opts = t.options;
  int calls = 0;
  AtssLocalStats seen;
  opts.normalizers = [&](const AtssLocalStats& s) {
    ++calls;
    seen = s;
    return AtssNormalizers{std::max(2.0 * s.num_pos / 2, 1.0), 2.0 * s.centerness_sum / 2};
  };
  auto dist = AtssLoss(opts)(t.out, t.anchors, {boxes_target(), boxes_target()}, t.text_masks);
  EXPECT_EQ(calls, 1);
  EXPECT_NEAR(dist.loss_reg.item<float>(), base.loss_reg.item<float>(), 1e-6);
  EXPECT_NEAR(dist.loss_dot_product_token.item<float>(), base.loss_dot_product_token.item<float>(), 1e-4);
  // The stats the hook saw are what local_stats() computes from the targets alone (no predictions).
  const AtssLocalStats pre = AtssLoss(t.options).local_stats(t.anchors, {boxes_target(), boxes_target()}, kTokens);
  EXPECT_GT(pre.num_pos, 0);
  EXPECT_EQ(pre.num_pos, seen.num_pos);
  EXPECT_EQ(pre.centerness_sum, seen.centerness_sum);
  // Divisors twice as large halve every term.
  opts.normalizers = [&](const AtssLocalStats& s) { return AtssNormalizers{2.0 * s.num_pos, 2.0 * s.centerness_sum}; };
  auto half = AtssLoss(opts)(t.out, t.anchors, {boxes_target(), boxes_target()}, t.text_masks);
  EXPECT_NEAR(half.loss_reg.item<float>(), base.loss_reg.item<float>() / 2, 1e-6);
  EXPECT_NEAR(half.loss_centerness.item<float>(), base.loss_centerness.item<float>() / 2, 1e-6);
  EXPECT_NEAR(half.loss_dot_product_token.item<float>(), base.loss_dot_product_token.item<float>() / 2, 1e-5);
  // The hook is called on a process without positives too (collectives must stay in step).
  calls = 0;
  opts.normalizers = [&](const AtssLocalStats& s) {
    ++calls;
    EXPECT_EQ(s.num_pos, 0);
    return AtssNormalizers{3.0, 1.5};
  };
  AtssLoss{opts}(t.out, t.anchors, {empty_target(), empty_target()}, t.text_masks);
  EXPECT_EQ(calls, 1);
}

TEST(AtssLoss, RejectsInconsistentTargets) {
  Tiny t;
  AtssLoss loss(t.options);
  auto bad = boxes_target();
  bad.positive_map = at::zeros({2, 3});
  EXPECT_THROW(loss(t.out, t.anchors, {bad, bad}, t.text_masks), Error);
  EXPECT_THROW(loss(t.out, t.anchors, {boxes_target()}, t.text_masks), Error);
  EXPECT_THROW(loss(t.out, t.anchors, {boxes_target(), boxes_target()}, at::ones({2, 4})), Error);
}

// Central finite differences in float64 of the total loss w.r.t. the head outputs: on each input tensor the
// three elements with the largest analytic gradient plus a random one (every loss term is exercised: the
// regression/centerness elements with large gradients sit at positive anchors).
TEST(AtssLoss, GradientMatchesFiniteDifferences) {
  Tiny t(at::kDouble, 1.0);
  AtssLoss loss(t.options);
  const std::vector<GroundingTarget> targets{boxes_target(), boxes_target()};
  auto l = total(loss(t.out, t.anchors, targets, t.text_masks));
  l.backward();
  const double eps = 1e-6;
  int checked = 0;
  for (const auto& x : all_inputs(t.out)) {
    auto flat = x.detach().view(-1);  // shares storage with x
    auto grad = x.grad().view(-1);
    auto order = std::get<1>(grad.abs().sort(0, /*descending=*/true));
    std::vector<int64_t> picks(order.data_ptr<int64_t>(), order.data_ptr<int64_t>() + 3);
    for (int r = 0; r < 1; ++r) picks.push_back(at::randint(flat.numel(), {1}, at::kLong).item<int64_t>());
    for (int64_t i : picks) {
      const double orig = flat[i].item<double>();
      flat[i] = orig + eps;
      const double up = total(loss(t.out, t.anchors, targets, t.text_masks)).item<double>();
      flat[i] = orig - eps;
      const double down = total(loss(t.out, t.anchors, targets, t.text_masks)).item<double>();
      flat[i] = orig;
      const double numeric = (up - down) / (2 * eps);
      EXPECT_NEAR(grad[i].item<double>(), numeric, 1e-6 + 1e-4 * std::abs(numeric)) << "element " << i;
      if (std::abs(numeric) > 1e-3) ++checked;
    }
  }
  // Every input tensor contributed non-trivial gradients.
  EXPECT_GE(checked, 12);
}

}  // namespace glip::modeling
