// The ResNet body: shapes and strides, option checks, stage freezing, and its place in the model config.
#include "glip/modeling/backbone/resnet.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "glip/core/error.h"
#include "glip/io/state_dict.h"
#include "glip/modeling/backbone/backbone.h"
#include "glip/modeling/model_config.h"

namespace glip::modeling {

TEST(ResNet, StageShapesAndChannelsForOddSizes) {
  ResNet r(ResNetOptions::tiny());
  r->eval();
  torch::NoGradGuard ng;
  auto outs = r(at::randn({2, 3, 45, 61}));
  ASSERT_EQ(outs.size(), 4u);
  // stem: conv s2 -> 23x31, max pool s2 -> 12x16; then the first 1x1 conv of layer2..4 halves (rounding up)
  const std::vector<std::vector<int64_t>> expected{{2, 64, 12, 16}, {2, 128, 6, 8}, {2, 256, 3, 4}, {2, 512, 2, 2}};
  for (size_t i = 0; i < 4; ++i) EXPECT_EQ(outs[i].sizes().vec(), expected[i]) << "stage " << i;
}

TEST(ResNet, R50KeysAndBlockCounts) {
  ResNet r(ResNetOptions::r50());
  const auto keys = io::state_dict(*r, "backbone.body.");
  EXPECT_TRUE(keys.count("backbone.body.stem.conv1.weight"));
  EXPECT_TRUE(keys.count("backbone.body.stem.bn1.running_var"));  // FrozenBatchNorm2d buffers
  EXPECT_TRUE(keys.count("backbone.body.layer3.5.conv3.weight"));
  EXPECT_FALSE(keys.count("backbone.body.layer3.6.conv3.weight"));
  EXPECT_TRUE(keys.count("backbone.body.layer4.0.downsample.1.running_mean"));
  EXPECT_FALSE(keys.count("backbone.body.layer4.1.downsample.0.weight"));
  EXPECT_EQ(r->named_parameters().size(), 3u * (3 + 4 + 6 + 3) + 4 + 1);  // convs only: blocks, downsample, stem
  EXPECT_EQ(r->layers[0]->ptr(0)->as<BottleneckImpl>()->conv1->weight.sizes().vec(),
            (std::vector<int64_t>{64, 64, 1, 1}));
}

TEST(ResNet, RejectsBadOptionsByName) {
  auto o = ResNetOptions::tiny();
  o.gn_groups = 5;
  EXPECT_THROW(ResNet{o}, InputError);
  o = ResNetOptions::tiny();
  o.norm = "BN";
  EXPECT_THROW(ResNet{o}, InputError);
  o = ResNetOptions::tiny();
  o.stage_blocks = {2, 2, 2};
  EXPECT_THROW(ResNet{o}, InputError);
  BackboneOptions b;
  b.conv_body = "R-18-FPN";
  EXPECT_THROW(Backbone{b}, InputError);
}

TEST(ResNet, FreezeAtFollowsTheOfficialStageRule) {
  auto o = ResNetOptions::tiny();
  o.freeze_at = 2;  // stem and layer1 (stage 0 is the stem)
  ResNet r(o);
  for (const auto& p : r->named_parameters()) {
    const bool frozen = p.key().rfind("stem.", 0) == 0 || p.key().rfind("layer1.", 0) == 0;
    EXPECT_EQ(p.value().requires_grad(), !frozen) << p.key();
  }
}

TEST(ResNet, ModelConfigBuildsAResNetBackbone) {
  ModelConfig c;
  c.conv_body = "R-50-FPN-RETINANET";
  c.resnet_stage_blocks = {1, 1, 1, 1};
  c.resnet_stem_out_channels = 8;
  c.resnet_res2_out_channels = 16;
  c.resnet_width_per_group = 4;
  c.resnet_norm = "GN";
  c.resnet_gn_groups = 4;
  const auto o = build_model_options(c);
  ASSERT_TRUE(o.backbone.is_resnet());
  EXPECT_EQ(o.backbone.fpn_options().in_channels_list, (std::vector<int64_t>{0, 32, 64, 128}));
  Backbone b(o.backbone);
  EXPECT_TRUE(b->swin.is_empty());
  b->eval();
  torch::NoGradGuard ng;
  auto ps = b(at::randn({1, 3, 64, 96}));
  ASSERT_EQ(ps.size(), 5u);
  EXPECT_EQ(ps[0].sizes().vec(), (std::vector<int64_t>{1, 256, 8, 12}));
  c.resnet_gn_groups = 3;
  EXPECT_THROW(build_model_options(c), InputError);
}

}  // namespace glip::modeling
