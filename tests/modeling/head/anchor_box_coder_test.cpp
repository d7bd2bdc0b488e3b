#include <gtest/gtest.h>

#include <cmath>

#include "common/test_utils.h"
#include "glip/core/error.h"
#include "glip/modeling/head/anchor_generator.h"
#include "glip/modeling/head/box_coder.h"

namespace glip::modeling {

TEST(AnchorGenerator, CellAnchorsFollowTheOfficialFormula) {
  // Stride 8, size 64, ratio 1: centre (8 - 1) / 2 = 3.5, half extent (64 - 1) / 2.
  EXPECT_TRUE(at::equal(generate_cell_anchors(8, {64}, {1.0}),
                        at::tensor({-28.0, -28.0, 35.0, 35.0}, at::kDouble).view({1, 4})));
  // Ratio 0.5 at stride 16: w = round(sqrt(512)) = 23, h = round(11.5) = 12 (numpy rounds half to even),
  // then scaled by 32 / 16 -> 46 x 24 around 7.5.
  EXPECT_TRUE(at::equal(generate_cell_anchors(16, {32}, {0.5}),
                        at::tensor({-15.0, -4.0, 30.0, 19.0}, at::kDouble).view({1, 4})));
  // Ratio-major, then size.
  auto two = generate_cell_anchors(8, {16, 32}, {1.0, 2.0});
  ASSERT_EQ(two.sizes(), (at::IntArrayRef{4, 4}));
  EXPECT_TRUE(at::equal(two[1], at::tensor({-12.0, -12.0, 19.0, 19.0}, at::kDouble)));
}

TEST(AnchorGenerator, BuffersAndGridOrder) {
  AnchorGenerator gen;
  auto buffers = gen->named_buffers();
  ASSERT_EQ(buffers.size(), 5u);
  for (int l = 0; l < 5; ++l) {
    const auto name = "cell_anchors." + std::to_string(l);
    ASSERT_TRUE(buffers.contains(name)) << name;
    EXPECT_EQ(buffers[name].sizes(), (at::IntArrayRef{1, 4}));
    EXPECT_EQ(buffers[name].scalar_type(), at::kFloat);
  }
  EXPECT_EQ(gen->num_anchors_per_location(), 1);
  auto anchors = gen->forward(std::vector<std::array<int64_t, 2>>{{2, 3}, {1, 2}, {1, 1}, {1, 1}, {1, 1}});
  ASSERT_EQ(anchors.size(), 5u);
  ASSERT_EQ(anchors[0].sizes(), (at::IntArrayRef{6, 4}));
  // Row-major: index 1 is (y 0, x 1), index 3 is (y 1, x 0).
  EXPECT_TRUE(at::equal(anchors[0][1], at::tensor({-20.f, -28.f, 43.f, 35.f})));
  EXPECT_TRUE(at::equal(anchors[0][3], at::tensor({-28.f, -20.f, 35.f, 43.f})));
  // Level 1: stride 16, size 128: centre 7.5, half 63.5.
  EXPECT_TRUE(at::equal(anchors[1][1], at::tensor({-40.f, -56.f, 87.f, 71.f})));
  EXPECT_THROW(gen->forward(std::vector<std::array<int64_t, 2>>{{1, 1}}), Error);
  AnchorGeneratorOptions bad;
  bad.sizes = {32};
  EXPECT_THROW(AnchorGenerator{bad}, Error);
}

TEST(AnchorGenerator, ScalesPerOctave) {
  AnchorGeneratorOptions o;
  o.sizes = {32};
  o.strides = {8};
  o.scales_per_octave = 2;
  AnchorGenerator gen(o);
  auto cell = gen->named_buffers()["cell_anchors.0"];
  ASSERT_EQ(cell.sizes(), (at::IntArrayRef{2, 4}));
  const double s = 32 * std::sqrt(2.0);
  EXPECT_NEAR(cell[1][2].item<float>(), 3.5 + 0.5 * (s - 1), 1e-4);
}

TEST(BoxCoder, HandCheckedEncodeDecode) {
  BoxCoder coder;
  auto anchor = at::tensor({0.f, 0.f, 15.f, 15.f}).view({1, 4});  // w 16, centre 7.5
  auto gt = at::tensor({4.f, 2.f, 19.f, 33.f}).view({1, 4});      // w 16, h 32, centre (11.5, 17.5)
  auto d = coder.encode(gt, anchor);
  EXPECT_TRUE(at::allclose(d, at::tensor({2.5f, 6.25f, 0.f, static_cast<float>(5 * std::log(2.0))}).view({1, 4})));
  EXPECT_TRUE(at::allclose(coder.decode(d, anchor), gt, 1e-5, 1e-4));
}

TEST(BoxCoder, RoundTripAndClamp) {
  BoxCoder coder;
  auto anchors = at::rand({50, 2}, at::kDouble) * 100;
  anchors = at::cat({anchors, anchors + 5 + at::rand({50, 2}, at::kDouble) * 50}, 1);
  auto gts = at::rand({50, 2}, at::kDouble) * 100;
  gts = at::cat({gts, gts + at::rand({50, 2}, at::kDouble) * 80}, 1);
  EXPECT_TRUE(at::allclose(coder.decode(coder.encode(gts, anchors), anchors), gts, 1e-9, 1e-9));
  // dw far above the clamp: the width is exp(log(1000/16)) * 16 = 1000 (+1 convention: x2 - x1 = 999).
  auto anchor = at::tensor({0.f, 0.f, 15.f, 15.f}).view({1, 4});
  auto big = coder.decode(at::tensor({0.f, 0.f, 1e30f, -1e30f}).view({1, 4}), anchor);
  EXPECT_NEAR((big[0][2] - big[0][0]).item<float>(), 999.f, 1e-2);
  EXPECT_NEAR((big[0][3] - big[0][1]).item<float>(), -1.f, 1e-6);  // exp(-huge) = 0 width
  EXPECT_FALSE(big.isnan().any().item<bool>());
  EXPECT_THROW(coder.decode(at::zeros({2, 3}), at::zeros({2, 4})), Error);
}

}  // namespace glip::modeling
