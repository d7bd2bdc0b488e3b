// model.backbone_weight: an ImageNet-classification-layout Swin .pth (the official swint.py tensors, saved as
// swin_tiny_patch4_window7_224.pth is laid out) and ResNet safetensors into the backbone body, with the report
// of what loaded, what the file lacks and what the body lacks, and errors for files that do not fit.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <algorithm>

#include "common/test_utils.h"
#include "glip/core/error.h"
#include "glip/io/safetensors.h"
#include "glip/io/state_dict.h"
#include "glip/io/torch_pickle.h"
#include "glip/modeling/backbone/backbone.h"
#include "glip/modeling/checkpoint.h"
#include "glip/modeling/model_config.h"

namespace glip::modeling {
namespace {

const std::string kSwinPth = test::data_dir() + "/checkpoints/swin_imagenet_layout.pth";

bool contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

TEST(BackboneWeights, ImageNetSwinPthLoadsEveryBodyTensorItHas) {
  SwinTransformer swin(SwinOptions::tiny(12));
  const auto report = load_backbone_weights(*swin, kSwinPth);
  const auto file = io::load_torch_tensors(kSwinPth, "model").tensors;
  // Everything but the output norms comes from the file, value for value.
  EXPECT_EQ(report.missing.size(), 6u);  // the detection output norms norm1..norm3 (norm0 is an identity)
  for (const auto& k : report.missing) EXPECT_EQ(k.rfind("norm", 0), 0u) << k;
  EXPECT_TRUE(contains(report.unexpected, "head.weight"));
  EXPECT_TRUE(contains(report.unexpected, "norm.weight"));
  EXPECT_TRUE(contains(report.unexpected, "layers.0.blocks.1.attn_mask"));
  EXPECT_EQ(report.loaded.size() + report.unexpected.size(), file.size());
  const auto body = io::state_dict(*swin);
  for (const auto& k : report.loaded) EXPECT_TRUE(at::equal(body.at(k), file.at(k))) << k;
  EXPECT_GT(report.loaded.size(), 100u);
}

TEST(BackboneWeights, PrefixedSafetensorsLoadIntoAResNetBody) {
  auto o = ResNetOptions::tiny();
  torch::manual_seed(3);
  ResNet a(o);
  const std::string path = test::temp_dir("backbone_weights") + "/body.safetensors";
  io::save_safetensors(path, io::state_dict(*a, "backbone.body."), {});
  torch::manual_seed(4);
  ResNet b(o);
  const auto report = load_backbone_weights(*b, path);
  EXPECT_TRUE(report.ok()) << report.describe();
  const auto sa = io::state_dict(*a), sb = io::state_dict(*b);
  for (const auto& [k, v] : sa) EXPECT_TRUE(at::equal(v, sb.at(k))) << k;
}

TEST(BackboneWeights, FilesThatDoNotFitAreRefusedByName) {
  SwinTransformer wider(SwinOptions::tiny(24));  // the file is embed 12: every shape differs
  try {
    load_backbone_weights(*wider, kSwinPth);
    FAIL() << "a Swin of another width loaded";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("swin_imagenet_layout.pth"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("patch_embed.proj.weight"), std::string::npos) << e.what();
  }
  ResNet resnet(ResNetOptions::tiny());  // a Swin file for a ResNet body: nothing matches
  EXPECT_THROW(load_backbone_weights(*resnet, kSwinPth), InputError);
  EXPECT_THROW(load_backbone_weights(*resnet, test::data_dir() + "/checkpoints/absent.pth"), InputError);
}

TEST(BackboneWeights, ModelConfigLoadsThemAtBuild) {
  ModelConfig c;
  c.swin_embed_dim = 12;
  c.swin_depths = {2, 2, 2, 2};
  c.swin_num_heads = {1, 2, 3, 4};
  c.out_channels = 32;
  c.dyhead_channels = 32;
  c.dyhead_num_convs = 1;
  c.fusion_embed_dim = 64;
  c.fusion_num_heads = 2;
  c.bert_hidden_size = 32;
  c.bert_num_layers = 1;
  c.bert_num_heads = 2;
  c.bert_intermediate_size = 64;
  c.backbone_weight = kSwinPth;
  auto m = build_model(c);
  const auto file = io::load_torch_tensors(kSwinPth, "model").tensors;
  const auto body = io::state_dict(m->backbone->body());
  EXPECT_TRUE(at::equal(body.at("patch_embed.proj.weight"), file.at("patch_embed.proj.weight")));
  EXPECT_TRUE(at::equal(body.at("layers.3.blocks.1.mlp.fc2.weight"), file.at("layers.3.blocks.1.mlp.fc2.weight")));
}

}  // namespace
}  // namespace glip::modeling
