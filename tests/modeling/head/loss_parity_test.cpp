// Parity of the ATSS targets and losses with the official ATSSLossComputation (fixture g).
#include <gtest/gtest.h>

#include "glip/modeling/head/anchor_generator.h"
#include "glip/modeling/head/atss_loss.h"
#include "parity_common.h"

namespace glip::modeling {

TEST(HeadParity, AnchorGeneratorMatchesOfficialAnchors) {
  auto t = parity::load("loss");
  auto outputs = parity::head_outputs(t);
  auto expected = parity::anchors(t);
  auto got = AnchorGenerator()->forward(outputs.box_regression);
  ASSERT_EQ(got.size(), expected.size());
  for (size_t l = 0; l < got.size(); ++l) EXPECT_TRUE(at::equal(got[l], expected[l])) << "level " << l;
}

TEST(HeadParity, LossTargetsAndTerms) {
  auto t = parity::load("loss");
  auto outputs = parity::head_outputs(t);
  auto anchors = parity::anchors(t);
  const auto& pmap = parity::get(t, "input.positive_map");
  std::vector<GroundingTarget> targets;
  int64_t row = 0;
  for (int i = 0; i < 2; ++i) {
    GroundingTarget g;
    g.boxes = parity::get(t, "input.targets." + std::to_string(i) + ".boxes");
    g.labels = parity::get(t, "input.targets." + std::to_string(i) + ".labels");
    g.positive_map = pmap.slice(0, row, row + g.boxes.size(0));
    row += g.boxes.size(0);
    targets.push_back(g);
  }
  ASSERT_EQ(row, pmap.size(0));
  AtssLossOptions options;
  options.binarize_token_targets = false;  // the fixture feeds the normalised rows to the evaluator directly
  auto out = AtssLoss(options)(outputs, anchors, targets, parity::get(t, "input.text_masks"));

  for (int i = 0; i < 2; ++i) {
    const auto s = std::to_string(i);
    const auto& a = out.targets[i];
    EXPECT_TRUE(at::equal(a.labels, parity::get(t, "output.labels." + s))) << "labels of image " << i;
    EXPECT_TRUE(at::equal(a.token_labels, parity::get(t, "output.token_labels." + s))) << "token_labels " << i;
    EXPECT_TRUE(
        test::all_close(a.reg_targets, parity::get(t, "output.reg_targets." + s), 1e-5, 1e-5, "reg_targets." + s));
  }
  // Summed losses: the summation order differs from upstream, hence 1e-4 relative (README g).
  EXPECT_ALL_CLOSE(out.loss_cls.reshape({1}), parity::get(t, "output.loss_cls"), 1e-4, 1e-5);
  EXPECT_ALL_CLOSE(out.loss_reg.reshape({1}), parity::get(t, "output.loss_reg"), 1e-4, 1e-5);
  EXPECT_ALL_CLOSE(out.loss_centerness.reshape({1}), parity::get(t, "output.loss_centerness"), 1e-4, 1e-5);
  EXPECT_ALL_CLOSE(out.loss_dot_product_token.reshape({1}), parity::get(t, "output.loss_dot_product_token"), 1e-4,
                   1e-5);
}

}  // namespace glip::modeling
