// Predictor: batched inference with a different caption per image, feature reuse across queries, rescaling to
// the original image, and its input errors.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "common/test_utils.h"
#include "glip/core/error.h"
#include "glip/inference/predictor.h"
#include "glip/text/prompt.h"

namespace glip::inference {
namespace {

Predictor make_predictor(double threshold = 0.0) {
  torch::manual_seed(3);
  auto opts = modeling::GlipModelOptions::tiny(true);
  opts.postprocess.pre_nms_thresh = 0.0;  // a random model scores ~0.01: keep candidates so tests see boxes
  modeling::GlipModel model(opts);
  PredictorOptions p;
  p.min_size = 96;
  p.max_size = 160;
  p.max_query_len = 32;
  p.score_threshold = threshold;
  return Predictor(model, text::make_tokenizer(), p);
}

at::Tensor image(int64_t h, int64_t w, int seed) {
  torch::manual_seed(seed);
  return torch::randint(0, 256, {h, w, 3}, at::kByte);
}

void expect_same(const Detections& a, const Detections& b) {
  ASSERT_EQ(a.boxes.size(0), b.boxes.size(0));
  EXPECT_TRUE(test::all_close(a.boxes, b.boxes, 1e-3, 1e-3));
  EXPECT_TRUE(test::all_close(a.scores, b.scores, 1e-5, 1e-4));
  EXPECT_TRUE(at::equal(a.labels, b.labels));
}

TEST(Predictor, DetectionsLiveInTheOriginalImageWithTheQueryLabels) {
  auto pred = make_predictor();
  auto q = text::build_category_prompt({7, 9}, {"red star", "blue ring"});
  auto d = pred.predict({image(120, 200, 1)}, {q});
  ASSERT_EQ(d.size(), 1u);
  ASSERT_GT(d[0].boxes.size(0), 0);
  EXPECT_LE(d[0].boxes.size(0), 100);
  // Resized to 96 x 160; boxes are clipped there, then scaled by 200/160 and 120/96 back to 200 x 120.
  EXPECT_LE(d[0].boxes.select(1, 2).max().item<float>(), 200.0f + 1e-3f);
  EXPECT_LE(d[0].boxes.select(1, 3).max().item<float>(), 120.0f + 1e-3f);
  EXPECT_GE(d[0].boxes.min().item<float>(), 0.0f);
  auto labels = d[0].labels;
  EXPECT_TRUE(((labels == 7) | (labels == 9)).all().item<bool>());
  EXPECT_TRUE((d[0].scores.slice(0, 1) <= d[0].scores.slice(0, 0, -1) + 1e-6).all().item<bool>());
}

TEST(Predictor, ADifferentCaptionPerImageMatchesOneImageAtATime) {
  auto pred = make_predictor();
  auto a = image(96, 128, 1), b = image(96, 128, 2);
  auto qa = text::build_category_prompt({1}, {"cat"});
  auto qb = text::build_category_prompt({1, 2, 3}, {"a green heart", "striped square", "dotted orange ring"});
  auto batched = pred.predict({a, b}, {qa, qb});
  ASSERT_EQ(batched.size(), 2u);
  expect_same(batched[0], pred.predict({a}, {qa})[0]);
  expect_same(batched[1], pred.predict({b}, {qb})[0]);
}

TEST(Predictor, EncodedFeaturesAreReusedAcrossQueries) {
  auto pred = make_predictor();
  auto imgs = std::vector<at::Tensor>{image(100, 140, 4), image(100, 140, 5)};
  auto enc = pred.encode(imgs);
  EXPECT_EQ(enc.size(), 2);
  EXPECT_EQ(enc.levels.size(), 5u);
  auto q1 = text::build_category_prompt({1, 2}, {"star", "ring"});
  auto q2 = text::build_category_prompt({5}, {"heart"});
  auto r1 = pred.detect(enc, {q1});  // one query for every image
  auto r2 = pred.detect(enc, {q2});
  auto f1 = pred.predict(imgs, {q1, q1});
  auto f2 = pred.predict(imgs, {q2, q2});
  for (size_t i = 0; i < 2; ++i) {
    expect_same(r1[i], f1[i]);
    expect_same(r2[i], f2[i]);
  }
}

TEST(Predictor, ScoreThresholdDropsLowScores) {
  auto all = make_predictor().predict({image(96, 96, 6)}, {text::build_category_prompt({1}, {"cross"})});
  ASSERT_GT(all[0].scores.numel(), 1);
  const double cut = all[0].scores.median().item<double>();
  auto kept = make_predictor(cut).predict({image(96, 96, 6)}, {text::build_category_prompt({1}, {"cross"})});
  EXPECT_TRUE((kept[0].scores >= cut).all().item<bool>());
  EXPECT_EQ(kept[0].scores.numel(), (all[0].scores >= cut).sum().item<int64_t>());
}

TEST(Predictor, BadInputIsNamed) {
  auto pred = make_predictor();
  auto img = image(64, 64, 7);
  auto q = text::build_category_prompt({1}, {"star"});
  EXPECT_THROW(pred.predict({img, img, img}, {q, q}), InputError);
  EXPECT_THROW(pred.predict({}, {q}), InputError);
  EXPECT_THROW(pred.predict({torch::zeros({8, 8, 3}, at::kFloat)}, {q}), InputError);
  // Every phrase beyond the 32-token window: nothing to detect.
  std::vector<std::string> names(40, "zebra");
  names.push_back("giraffe");
  std::vector<int64_t> labels(41);
  for (int64_t i = 0; i < 41; ++i) labels[static_cast<size_t>(i)] = i + 1;
  auto far = text::build_category_prompt(labels, names);
  far.labels = {41};
  far.spans = {far.spans.back()};
  try {
    pred.predict({img}, {far});
    FAIL() << "expected InputError";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("first 32 tokens"), std::string::npos) << e.what();
  }
}

TEST(Predictor, LoadModelNamesAMissingCheckpoint) {
  modeling::ModelConfig cfg;
  EXPECT_THROW(modeling::load_model(cfg, "/nonexistent/model.safetensors"), InputError);
}

}  // namespace
}  // namespace glip::inference
