// glip::ops::bi_attention_softmax against the official composition (clamp, max over the pixels, clamp, softmax over
// the pixels; mask, softmax over the tokens) computed by ATen in float64: values, the product it feeds, the
// clamps, padded tokens, independence of the thread count, and its refusals.
#include "glip/ops/attention_softmax.h"

#include <ATen/Parallel.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "glip/core/error.h"

namespace glip {
namespace {

struct Official {
  at::Tensor pv, pl;  // [H, N, T] each, float64
};

// The official code's steps (modeling/fusion/bi_attention.cpp keeps them for training), in float64.
Official official(const at::Tensor& scores, const at::Tensor& mask, bool lo, bool hi) {
  auto clamp = [&](const at::Tensor& x) {
    return at::clamp(x, lo ? c10::optional<at::Scalar>(-50000.0) : c10::nullopt,
                     hi ? c10::optional<at::Scalar>(50000.0) : c10::nullopt);
  };
  auto s = scores.to(at::kDouble);
  if (lo || hi) s = clamp(s);
  auto sl = s - s.amax(1, true);
  if (lo || hi) sl = clamp(sl);
  Official o;
  o.pl = at::softmax(sl, 1);
  auto sv = s;
  if (mask.defined()) {
    auto m = mask.to(at::kDouble);
    sv = s + m.masked_fill(m == 0, -9e15).view({1, 1, -1});
  }
  o.pv = at::softmax(sv, 2);
  return o;
}

void expect_matches(const at::Tensor& scores, const at::Tensor& mask, bool lo, bool hi, const char* what) {
  auto ref = official(scores, mask, lo, hi);
  auto s = scores.clone();
  torch::NoGradGuard ng;
  auto got = ops::bi_attention_softmax(s, mask, lo, hi);
  auto pl = got.exp_l.to(at::kDouble) * got.inv_sum_l.to(at::kDouble).unsqueeze(1);
  EXPECT_LT((got.probs_v.to(at::kDouble) - ref.pv).abs().max().item<double>(), 1e-6) << what;
  EXPECT_LT((pl - ref.pl).abs().max().item<double>(), 1e-6) << what;
  EXPECT_EQ(got.exp_l.data_ptr(), s.data_ptr()) << "the scores' storage is reused";
  // The value products the fusion block computes from them, against the official P_l^T V.
  auto vals = torch::randn({scores.size(0), scores.size(1), 8}, at::kDouble);
  auto ol = at::matmul(got.exp_l.to(at::kDouble).transpose(1, 2), vals) * got.inv_sum_l.to(at::kDouble).unsqueeze(2);
  auto ref_ol = at::matmul(ref.pl.transpose(1, 2), vals);
  EXPECT_LT((ol - ref_ol).abs().max().item<double>(), 1e-5 * (ref_ol.abs().max().item<double>() + 1)) << what;
}

TEST(BiAttentionSoftmax, MatchesTheOfficialSoftmaxesWithPaddedTokens) {
  torch::manual_seed(0);
  auto scores = torch::randn({3, 300, 37}) * 6;  // N over two row chunks and a short one; T not a multiple of 16
  auto mask = torch::ones({37}, at::kLong);
  mask.narrow(0, 30, 7).zero_();
  expect_matches(scores, mask, true, true, "mask, both clamps");
  expect_matches(scores, at::Tensor(), true, true, "no mask");
  expect_matches(scores, mask.to(at::kFloat), false, false, "float mask, no clamps");
}

TEST(BiAttentionSoftmax, TheClampsCutScoresBeyond50000AsTheOfficialCodeDoes) {
  torch::manual_seed(1);
  auto scores = torch::randn({2, 200, 16}) * 40000;  // many scores beyond +-50000, differences beyond 50000
  expect_matches(scores, at::Tensor(), true, true, "both clamps");
  expect_matches(scores, at::Tensor(), true, false, "clamp below only");
  expect_matches(scores, at::Tensor(), false, true, "clamp above only");
}

TEST(BiAttentionSoftmax, ResultsDoNotDependOnTheThreadCount) {
  torch::manual_seed(2);
  auto scores = torch::randn({4, 1000, 64}) * 3;
  const int threads = at::get_num_threads();
  torch::NoGradGuard ng;
  at::set_num_threads(1);
  auto a_in = scores.clone();
  auto a = ops::bi_attention_softmax(a_in, at::Tensor(), true, true);
  at::set_num_threads(2);
  auto b_in = scores.clone();
  auto b = ops::bi_attention_softmax(b_in, at::Tensor(), true, true);
  at::set_num_threads(threads);
  EXPECT_TRUE(torch::equal(a.probs_v, b.probs_v));
  EXPECT_TRUE(torch::equal(a.exp_l, b.exp_l));
  EXPECT_TRUE(torch::equal(a.inv_sum_l, b.inv_sum_l));
}

TEST(BiAttentionSoftmax, PixelMajorScoresGiveTheSameBitsInTheirOwnLayout) {
  // The folded fusion block's scores are [N, H, T] in memory, passed as an [H, N, T] view.
  torch::manual_seed(3);
  auto scores = torch::randn({3, 300, 37}) * 6;
  auto mask = torch::ones({37}, at::kLong);
  mask.narrow(0, 30, 7).zero_();
  torch::NoGradGuard ng;
  auto head_major = scores.clone();
  auto a = ops::bi_attention_softmax(head_major, mask, true, true);
  auto storage = scores.transpose(0, 1).contiguous();  // [N, H, T]
  auto pixel_major = storage.transpose(0, 1);
  ASSERT_TRUE(ops::supports_fused_bi_attention_softmax(pixel_major));
  const int threads = at::get_num_threads();
  for (int t : {1, 2}) {
    at::set_num_threads(t);
    auto in = pixel_major.clone(at::MemoryFormat::Preserve);
    ASSERT_EQ(in.strides(), pixel_major.strides());
    auto b = ops::bi_attention_softmax(in, mask, true, true);
    EXPECT_EQ(b.probs_v.strides(), pixel_major.strides()) << "probabilities in the scores' layout";
    EXPECT_TRUE(torch::equal(a.probs_v, b.probs_v)) << t << " threads";
    EXPECT_TRUE(torch::equal(a.exp_l, b.exp_l)) << t << " threads";
    EXPECT_TRUE(torch::equal(a.inv_sum_l, b.inv_sum_l)) << t << " threads";
  }
  at::set_num_threads(threads);
}

TEST(BiAttentionSoftmax, RefusesWhatItDoesNotSupport) {
  torch::NoGradGuard ng;
  auto d = torch::randn({2, 4, 8}, at::kDouble);
  EXPECT_FALSE(ops::supports_fused_bi_attention_softmax(d));
  EXPECT_THROW(ops::bi_attention_softmax(d, at::Tensor(), true, true), InputError);
  auto strided = torch::randn({2, 8, 4}).transpose(1, 2);
  EXPECT_FALSE(ops::supports_fused_bi_attention_softmax(strided));
  auto gapped = torch::randn({2, 4, 16}).narrow(2, 0, 8);  // unit stride over T, but gaps between the rows
  EXPECT_FALSE(ops::supports_fused_bi_attention_softmax(gapped));
  EXPECT_THROW(ops::bi_attention_softmax(gapped, at::Tensor(), true, true), InputError);
  auto s = torch::randn({2, 4, 8});
  EXPECT_TRUE(ops::supports_fused_bi_attention_softmax(s));
  try {
    ops::bi_attention_softmax(s, torch::ones({7}), true, true);
    FAIL() << "a mask of the wrong length was accepted";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("7 elements"), std::string::npos) << e.what();
  }
}

TEST(BiAttentionSoftmax, ScoresThatRecordAGradientKeepTheOfficialPath) {
  auto s = torch::randn({2, 4, 8}).requires_grad_();
  EXPECT_FALSE(ops::supports_fused_bi_attention_softmax(s));
  torch::NoGradGuard ng;
  EXPECT_TRUE(ops::supports_fused_bi_attention_softmax(s)) << "no gradient is recorded under NoGradGuard";
}

}  // namespace
}  // namespace glip
