// The whole tiny GLIP: training losses with and without boxes, backward, inference with a caption per image.
#include <gtest/gtest.h>

#include "common/test_utils.h"
#include "glip/core/error.h"
#include "glip/modeling/glip_model.h"
#include "glip/modeling/model_config.h"

namespace glip::modeling {
namespace {

ImageBatch images(int64_t B, int64_t H, int64_t W) {
  ImageBatch b;
  b.images = torch::randn({B, 3, H, W});
  for (int64_t i = 0; i < B; ++i) b.image_sizes.push_back({H - 8 * i, W - 8 * i});
  return b;
}

TextBatch text(int64_t B, int64_t T) {
  TextBatch t;
  t.input_ids = torch::randint(1000, 2000, {B, T});
  t.attention_mask = torch::zeros({B, T}, at::kLong);
  for (int64_t i = 0; i < B; ++i) t.attention_mask[i].narrow(0, 0, T - 3 * i - 2).fill_(1);
  t.token_type_ids = torch::zeros({B, T}, at::kLong);
  return t;
}

GroundingTarget target(int64_t n, int64_t T) {
  GroundingTarget g;
  g.boxes = torch::tensor({{10.f, 12.f, 60.f, 50.f}, {30.f, 5.f, 90.f, 70.f}}).narrow(0, 0, n);
  g.positive_map = torch::zeros({n, T});
  for (int64_t i = 0; i < n; ++i) g.positive_map[i][1 + i] = 1.0;
  g.labels = torch::arange(1, n + 1);
  return g;
}

TEST(GlipModel, TinyTrainsWithAndWithoutBoxes) {
  torch::manual_seed(0);
  for (bool fused : {true, false}) {
    GlipModel m(GlipModelOptions::tiny(fused));
    m->train();
    const int64_t T = 12;
    auto out = m->forward(images(2, 96, 128), text(2, T), {target(2, T), target(0, T)});
    ASSERT_EQ(out.losses.size(), 4u);
    at::Tensor total = torch::zeros({});
    for (auto& [k, v] : out.losses) {
      EXPECT_TRUE(at::isfinite(v).all().item<bool>()) << k;
      total = total + v.sum();
    }
    total.backward();
    int64_t with_grad = 0;
    for (auto& p : m->named_parameters()) {
      if (p.value().grad().defined()) {
        EXPECT_TRUE(at::isfinite(p.value().grad()).all().item<bool>()) << p.key();
        ++with_grad;
      }
    }
    EXPECT_GT(with_grad, 100) << "fused " << fused;
    ASSERT_EQ(out.head.dot_product_logits.size(), 5u);
    EXPECT_EQ(out.head.dot_product_logits[0].size(2), T);
  }
}

// loss_stats() predicts from the targets alone what the loss of a forward pass sees (the trainer's step-wide
// normalisers rest on it), here for a padded size that is not a multiple of the largest stride.
TEST(GlipModel, LossStatsPredictWhatTheLossSees) {
  torch::manual_seed(0);
  GlipModel m(GlipModelOptions::tiny(true));
  m->train();
  const int64_t T = 12;
  const std::vector<GroundingTarget> targets{target(2, T), target(1, T)};
  const ImageBatch im = images(2, 96, 160);
  const AtssLocalStats predicted = m->loss_stats(im.images, T, targets);
  AtssLocalStats seen;
  m->set_loss_normalizers([&](const AtssLocalStats& s) {
    seen = s;
    return local_normalizers(s);
  });
  m->forward(im, text(2, T), targets);
  EXPECT_GT(predicted.num_pos, 0);
  EXPECT_EQ(predicted.num_pos, seen.num_pos);
  EXPECT_EQ(predicted.centerness_sum, seen.centerness_sum);
}

// model.bert_dropout / model.fusion_dropout: the official 0.1 by default, reaching the language backbone, the
// tower's BERT layers (the same BertConfig officially) and the X-MHA attention maps.
TEST(GlipModel, DropoutKeysReachBertTowerAndFusion) {
  ModelConfig c;
  GlipModelOptions o = build_model_options(c);
  EXPECT_EQ(o.language.bert.hidden_dropout, 0.1);
  EXPECT_EQ(o.language.bert.attention_dropout, 0.1);
  EXPECT_EQ(o.head.tower_bert.bert.hidden_dropout, 0.1);
  EXPECT_EQ(o.head.fusion.dropout, 0.1);
  c.bert_dropout = 0.0;
  c.fusion_dropout = 0.25;
  o = build_model_options(c);
  EXPECT_EQ(o.language.bert.hidden_dropout, 0.0);
  EXPECT_EQ(o.language.bert.attention_dropout, 0.0);
  EXPECT_EQ(o.head.tower_bert.bert.attention_dropout, 0.0);
  EXPECT_EQ(o.head.fusion.dropout, 0.25);
}

TEST(GlipModel, BatchedInferenceWithACaptionPerImageEqualsOneByOne) {
  torch::manual_seed(1);
  GlipModel m(GlipModelOptions::tiny(true));
  m->eval();
  torch::NoGradGuard g;
  auto im = images(2, 96, 128);
  auto tx = text(2, 12);
  std::vector<LabelToTokens> maps{{{1, {1, 2}}, {2, {4}}}, {{1, {1}}, {2, {2, 3}}, {3, {5}}}};
  auto both = m->forward(im, tx, {}, maps);
  ASSERT_EQ(both.detections.size(), 2u);
  for (int64_t i = 0; i < 2; ++i) {
    ImageBatch one{im.images.narrow(0, i, 1), {im.image_sizes[i]}};
    TextBatch t1{tx.input_ids.narrow(0, i, 1), tx.attention_mask.narrow(0, i, 1), tx.token_type_ids.narrow(0, i, 1)};
    auto single = m->forward(one, t1, {}, {maps[i]});
    for (size_t l = 0; l < 5; ++l) {
      EXPECT_ALL_CLOSE(both.head.dot_product_logits[l].narrow(0, i, 1), single.head.dot_product_logits[l], 1e-4, 1e-4);
      EXPECT_ALL_CLOSE(both.head.box_regression[l].narrow(0, i, 1), single.head.box_regression[l], 1e-4, 1e-4);
    }
    EXPECT_EQ(both.detections[i].boxes.size(0), single.detections[0].boxes.size(0));
  }
}

// The post-processor's cut per image can be changed on a built model (the LVIS protocol keeps 300).
TEST(GlipModel, DetectionsPerImageCutIsAdjustable) {
  torch::manual_seed(2);
  GlipModelOptions o = GlipModelOptions::tiny(true);
  o.postprocess.pre_nms_thresh = 0.0;  // every candidate passes: far more than 300 boxes before the cut
  o.postprocess.nms_thresh = 1.0;
  GlipModel m(o);
  m->eval();
  torch::NoGradGuard g;
  const auto im = images(1, 96, 128);
  const auto tx = text(1, 12);
  const std::vector<LabelToTokens> maps{{{1, {1, 2}}, {2, {4}}, {3, {5}}}};
  EXPECT_EQ(m->detections_per_image(), 100);
  EXPECT_EQ(m->forward(im, tx, {}, maps).detections[0].boxes.size(0), 100);
  m->set_detections_per_image(300);
  EXPECT_EQ(m->forward(im, tx, {}, maps).detections[0].boxes.size(0), 300);
  m->set_detections_per_image(100);
  EXPECT_EQ(m->forward(im, tx, {}, maps).detections[0].boxes.size(0), 100);
}

TEST(GlipModel, ExtremeInputsGiveFiniteOutputs) {
  // Saturated pixels far outside the normalised range and a caption of one repeated token: the +-50000 clamps
  // of the fusion and the alignment logits keep every output finite.
  torch::manual_seed(2);
  GlipModel m(GlipModelOptions::tiny(true));
  m->eval();
  torch::NoGradGuard g;
  auto im = images(1, 64, 96);
  im.images = im.images.sign() * 3e4;
  auto tx = text(1, 12);
  tx.input_ids.fill_(1012);
  auto out = m->forward(im, tx, {}, {{{1, {1, 2}}}});
  for (size_t l = 0; l < 5; ++l) {
    EXPECT_TRUE(at::isfinite(out.head.dot_product_logits[l]).all().item<bool>()) << l;
    EXPECT_TRUE(at::isfinite(out.head.box_regression[l]).all().item<bool>()) << l;
    EXPECT_LE(out.head.dot_product_logits[l].abs().max().item<float>(), 50000.0f);
  }
  EXPECT_TRUE(at::isfinite(out.detections[0].scores).all().item<bool>());
}

TEST(GlipModel, RejectsMismatchedInputs) {
  GlipModel m(GlipModelOptions::tiny(true));
  m->eval();
  torch::NoGradGuard g;
  EXPECT_THROW(m->forward(images(2, 64, 64), text(3, 12)), InputError);  // one caption per image, or one for all
  m->train();
  EXPECT_THROW(m->forward(images(1, 64, 64), text(1, 12), {}), InputError);
}

TEST(GlipModel, PromptTuningLayerStartsAtZeroAndShiftsTheText) {
  auto o = GlipModelOptions::tiny(true);
  o.add_linear_layer = true;
  GlipModel m(o);
  ASSERT_FALSE(m->rpn->tunable_linear.is_empty());
  EXPECT_EQ(m->rpn->tunable_linear->weight.sizes(), (at::IntArrayRef{1000, 64}));
  EXPECT_EQ(m->rpn->tunable_linear->weight.abs().sum().item<float>(), 0.0f);
}

}  // namespace
}  // namespace glip::modeling
