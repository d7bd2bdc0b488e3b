#include "glip/modeling/head/atss_postprocessor.h"

#include <gtest/gtest.h>

#include <cmath>

#include "common/test_utils.h"
#include "glip/core/error.h"

namespace glip::modeling {
namespace {

double sigmoid_ref(double x) { return 1 / (1 + std::exp(-x)); }
double logit(double p) { return std::log(p / (1 - p)); }

// One level, 1 x 3 grid, two images, T = 4. Anchors: two overlapping boxes and a far one, zero deltas.
struct Scene {
  HeadOutputs out;
  std::vector<at::Tensor> anchors{
      at::tensor({0.f, 0.f, 19.f, 19.f, 2.f, 0.f, 21.f, 19.f, 40.f, 0.f, 59.f, 19.f}).view({3, 4})};
  Scene() {
    out.box_regression = {at::zeros({2, 4, 1, 3})};
    out.centerness = {at::full({2, 1, 1, 3}, 2.0)};  // sigmoid(2) for every location
    auto dot = at::full({2, 3, 4}, -10.0);           // sigmoid ~ 0
    // Image 0: location 0 tokens 0,1 -> 0.9, 0.7 (mean 0.8); location 1 tokens 0,1 -> 0.6, 0.6; location 2
    // token 3 -> 0.5.
    dot[0][0][0] = logit(0.9);
    dot[0][0][1] = logit(0.7);
    dot[0][1][0] = logit(0.6);
    dot[0][1][1] = logit(0.6);
    dot[0][2][3] = logit(0.5);
    // Image 1: only token 2 at location 1.
    dot[1][1][2] = logit(0.3);
    out.dot_product_logits = {dot.to(at::kFloat)};
  }
};

}  // namespace

TEST(PhraseScores, MeanAndMax) {
  auto p = at::tensor({0.1f, 0.2f, 0.6f, 0.9f}).view({1, 4});
  LabelToTokens map{{1, {0, 1, 2}}, {4, {3}}};
  EXPECT_TRUE(at::allclose(phrase_scores(p, map, ScoreAggregation::kMean), at::tensor({0.3f, 0.9f}).view({1, 2})));
  EXPECT_TRUE(at::allclose(phrase_scores(p, map, ScoreAggregation::kMax), at::tensor({0.6f, 0.9f}).view({1, 2})));
  EXPECT_THROW(phrase_scores(p, LabelToTokens{{1, {4}}}, ScoreAggregation::kMean), InputError);
  EXPECT_THROW(phrase_scores(p, LabelToTokens{{1, {}}}, ScoreAggregation::kMean), InputError);
}

TEST(AtssPostProcessor, HandCheckedScoresNmsAndPerImageCaptions) {
  Scene s;
  AtssPostProcessor pp;
  const std::vector<LabelToTokens> maps{{{1, {0, 1}}, {2, {3}}}, {{5, {2}}}};
  auto dets = pp(s.out, s.anchors, {{20, 50}, {20, 60}}, maps);
  ASSERT_EQ(dets.size(), 2u);
  const double c = sigmoid_ref(2.0);
  // Image 0: label 1 at locations 0 (p 0.8) and 1 (p 0.6) overlap with IoU 18*20 / (400+400-360) > 0.6, so
  // location 1 is suppressed; label 2 at location 2 (p 0.5) stays. Location 2 is clipped to x <= 49.
  ASSERT_EQ(dets[0].scores.numel(), 2);
  EXPECT_TRUE(at::equal(dets[0].labels, at::tensor({int64_t{1}, int64_t{2}})));
  EXPECT_TRUE(at::allclose(dets[0].scores, at::tensor({std::sqrt(0.8 * c), std::sqrt(0.5 * c)}).to(at::kFloat)));
  EXPECT_TRUE(at::allclose(dets[0].boxes, at::tensor({0.f, 0.f, 19.f, 19.f, 40.f, 0.f, 49.f, 19.f}).view({2, 4})));
  // Image 1 uses its own caption: label 5 from token 2.
  ASSERT_EQ(dets[1].scores.numel(), 1);
  EXPECT_EQ(dets[1].labels[0].item<int64_t>(), 5);
  EXPECT_NEAR(dets[1].scores[0].item<float>(), std::sqrt(0.3 * c), 1e-6);
}

TEST(AtssPostProcessor, ThresholdBeforeCenternessAndMax) {
  Scene s;
  s.out.centerness = {at::full({2, 1, 1, 3}, -20.0)};  // tiny centerness must not remove candidates
  AtssPostProcessorOptions o;
  o.score_agg = ScoreAggregation::kMax;
  auto dets = AtssPostProcessor(o)(s.out, s.anchors, {{20, 60}, {20, 60}}, {{{1, {0, 1}}, {2, {3}}}});
  ASSERT_EQ(dets[0].scores.numel(), 2);
  EXPECT_NEAR(dets[0].scores[0].item<float>(), std::sqrt(0.9 * sigmoid_ref(-20.0)), 1e-9);
  EXPECT_EQ(dets[1].scores.numel(), 0);  // the shared caption has no label on token 2
  // Raising the threshold above 0.5 removes label 2.
  o.pre_nms_thresh = 0.55;
  auto fewer = AtssPostProcessor(o)(s.out, s.anchors, {{20, 60}, {20, 60}}, {{{1, {0, 1}}, {2, {3}}}});
  EXPECT_TRUE(at::equal(fewer[0].labels, at::tensor({int64_t{1}})));
}

TEST(AtssPostProcessor, TopNLimits) {
  Scene s;
  AtssPostProcessorOptions o;
  o.pre_nms_top_n = 1;  // per level: only the best candidate (label 1 at location 0)
  auto one = AtssPostProcessor(o)(s.out, s.anchors, {{20, 60}, {20, 60}}, {{{1, {0, 1}}, {2, {3}}}});
  EXPECT_TRUE(at::equal(one[0].labels, at::tensor({int64_t{1}})));
  AtssPostProcessorOptions d;
  d.detections_per_image = 1;
  auto top = AtssPostProcessor(d)(s.out, s.anchors, {{20, 60}, {20, 60}}, {{{1, {0, 1}}, {2, {3}}}});
  ASSERT_EQ(top[0].scores.numel(), 1);
  EXPECT_NEAR(top[0].scores[0].item<float>(), std::sqrt(0.8 * sigmoid_ref(2.0)), 1e-6);
}

TEST(AtssPostProcessor, EmptyAndErrors) {
  Scene s;
  auto dets = AtssPostProcessor()(s.out, s.anchors, {{20, 60}, {20, 60}}, {LabelToTokens{}});
  EXPECT_EQ(dets[0].boxes.sizes(), (at::IntArrayRef{0, 4}));
  EXPECT_THROW(AtssPostProcessor()(s.out, s.anchors, {{20, 60}}, {LabelToTokens{}}), Error);
  EXPECT_THROW(
      AtssPostProcessor()(s.out, s.anchors, {{20, 60}, {20, 60}}, {LabelToTokens{}, LabelToTokens{}, LabelToTokens{}}),
      Error);
}

TEST(AtssPostProcessor, RescaleToOriginalImage) {
  Detections d{at::tensor({10.f, 20.f, 30.f, 40.f}).view({1, 4}), at::tensor({0.5f}), at::tensor({int64_t{3}})};
  auto r = rescale_detections(d, {100, 200}, {50, 100});
  EXPECT_TRUE(at::allclose(r.boxes, at::tensor({5.f, 10.f, 15.f, 20.f}).view({1, 4})));
  EXPECT_TRUE(at::equal(r.labels, d.labels));
}

}  // namespace glip::modeling
