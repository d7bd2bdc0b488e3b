// Parity of the VLDyHead (two fused tower blocks + alignment head) with the official module.
#include <gtest/gtest.h>

#include "common/test_utils.h"
#include "glip/modeling/head/vl_dyhead.h"
#include "modeling/fusion/parity_loading.h"

namespace glip::modeling {
namespace {

TEST(HeadParity, TwoFusedTowerBlocks) {
  auto f = io::load_safetensors(test::parity_dir() + "/head.safetensors").tensors;
  VLDyHeadOptions o;
  o.in_channels = o.channels = 32;
  o.num_convs = 2;
  o.num_classes = 80;
  o.fusion.v_dim = 32;
  o.fusion.l_dim = 48;  // embed_dim 2048 and 8 heads stay hard-coded as in VLFuse
  o.tower_bert.bert.hidden_size = 48;
  o.tower_bert.bert.num_heads = 4;
  o.tower_bert.bert.intermediate_size = 96;
  o.tower_bert.clamp_attention_min = o.tower_bert.clamp_attention_max = o.tower_bert.clamp_ffn = true;
  VLDyHead head(o);
  head->eval();
  EXPECT_EQ(test::copy_named(*head, f, "rpn.head."), 0);
  std::vector<at::Tensor> levels;
  for (int i = 0; i < 5; ++i) levels.push_back(f.at("input.L" + std::to_string(i)));
  LanguageFeatures lang;
  lang.hidden = f.at("input.lang.hidden");
  lang.masks = f.at("input.lang.masks");
  lang.embedded = f.at("input.lang.embedded");
  torch::NoGradGuard g;
  auto r = head->forward(levels, lang);
  const double tol = 1e-4;
  for (int i = 0; i < 5; ++i) {
    const auto s = std::to_string(i);
    EXPECT_TRUE(test::all_close(r.outputs.box_cls[i], f.at("output.cls_logits.L" + s), tol, tol, "cls L" + s));
    EXPECT_TRUE(test::all_close(r.outputs.box_regression[i], f.at("output.box_regression.L" + s), tol, tol,
                                "box_regression L" + s));
    EXPECT_TRUE(
        test::all_close(r.outputs.centerness[i], f.at("output.centerness.L" + s), tol, tol, "centerness L" + s));
    EXPECT_TRUE(test::all_close(r.outputs.dot_product_logits[i], f.at("output.dot_product_logits.L" + s), tol, tol,
                                "dot_product_logits L" + s));
  }
  EXPECT_ALL_CLOSE(r.fused_hidden, f.at("output.fused_lang_hidden"), tol, tol);
}

}  // namespace
}  // namespace glip::modeling
