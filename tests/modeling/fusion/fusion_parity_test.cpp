// Parity of the fusion pieces with the official GLIP modules (fixtures from glip::test::parity_dir()).
#include <gtest/gtest.h>

#include "common/test_utils.h"
#include "glip/modeling/fusion/bi_attention.h"
#include "glip/modeling/language/bert.h"
#include "modeling/fusion/parity_loading.h"

namespace glip::modeling {
namespace {

std::map<std::string, at::Tensor> fixture(const std::string& name) {
  return io::load_safetensors(test::parity_dir() + "/" + name + ".safetensors").tensors;
}

TEST(FusionParity, BertEncoderLayer) {
  auto f = fixture("bert_layer");
  BertLayerOptions o;
  o.bert.hidden_size = 48;
  o.bert.num_heads = 4;
  o.bert.intermediate_size = 96;
  o.clamp_attention_min = o.clamp_attention_max = o.clamp_ffn = true;
  BertLayer layer(o);
  layer->eval();
  EXPECT_EQ(test::copy_named(*layer, f, "rpn.head.dyhead_tower.1."), 0);
  torch::NoGradGuard g;
  auto out = layer->forward(f.at("input.hidden"), f.at("input.mask"));
  EXPECT_ALL_CLOSE(out, f.at("output.hidden"), 1e-5, 1e-5);
}

TEST(FusionParity, BiAttentionBlock) {
  auto f = fixture("biattention");
  BiAttentionOptions o;
  o.v_dim = 32;
  o.l_dim = 48;
  o.embed_dim = 64;
  o.num_heads = 4;
  for (auto fold : {FusionFold::automatic, FusionFold::always}) {  // the official composition, then the folded block
    o.fold = fold;
    VLFuse fuse(o);
    fuse->eval();
    EXPECT_EQ(test::copy_named(*fuse, f, "rpn.head.dyhead_tower.0."), 0);
    std::vector<at::Tensor> levels;
    for (int i = 0; i < 5; ++i) levels.push_back(f.at("input.visual.L" + std::to_string(i)));
    torch::NoGradGuard g;
    auto [v, l] = fuse->forward(levels, f.at("input.lang"), f.at("input.lang_mask"));
    ASSERT_EQ(v.size(), 5u);
    const std::string mode = fold == FusionFold::always ? "folded, " : "";
    for (int i = 0; i < 5; ++i) {
      EXPECT_TRUE(test::all_close(v[i], f.at("output.visual.L" + std::to_string(i)), 1e-4, 1e-5,
                                  mode + "visual L" + std::to_string(i)));
    }
    EXPECT_TRUE(test::all_close(l, f.at("output.lang"), 1e-4, 1e-5, mode + "language"));
  }
}

}  // namespace
}  // namespace glip::modeling
