#include "glip/ops/boxes.h"

#include <gtest/gtest.h>

#include "common/test_utils.h"
#include "glip/core/error.h"

namespace glip::ops {

TEST(Boxes, AreaAndIouUsePlusOneConvention) {
  auto a = at::tensor({0.f, 0.f, 9.f, 9.f}).view({1, 4});  // 10 x 10 pixels
  auto b = at::tensor({5.f, 0.f, 14.f, 9.f, 20.f, 20.f, 29.f, 29.f}).view({2, 4});
  EXPECT_FLOAT_EQ(box_area(a)[0].item<float>(), 100.f);
  EXPECT_FLOAT_EQ(box_area(a, false)[0].item<float>(), 81.f);
  auto iou = box_iou(a, b);
  ASSERT_EQ(iou.sizes(), (at::IntArrayRef{1, 2}));
  EXPECT_NEAR(iou[0][0].item<float>(), 50.0 / 150.0, 1e-7);  // overlap 5 x 10
  EXPECT_EQ(iou[0][1].item<float>(), 0.f);
  // Without +1: overlap 4 x 9 = 36 of 81 + 81 - 36.
  EXPECT_NEAR(box_iou(a, b, false)[0][0].item<float>(), 36.0 / 126.0, 1e-7);
}

TEST(Boxes, ClipToImageMinusOne) {
  auto boxes = at::tensor({-5.f, -2.f, 300.f, 90.f, 10.f, 20.f, 30.f, 40.f}).view({2, 4});
  auto c = clip_boxes(boxes, {100, 200});  // h 100, w 200
  EXPECT_TRUE(at::equal(c, at::tensor({0.f, 0.f, 199.f, 90.f, 10.f, 20.f, 30.f, 40.f}).view({2, 4})));
}

TEST(Boxes, KeepMinSizeAndRescale) {
  auto boxes = at::tensor({0.f, 0.f, 0.f, 0.f, 0.f, 0.f, 3.f, 1.f}).view({2, 4});
  EXPECT_EQ(keep_min_size(boxes, 0).numel(), 2);
  EXPECT_TRUE(at::equal(keep_min_size(boxes, 2), at::tensor({int64_t{1}})));
  auto r = rescale_boxes(at::tensor({10.f, 10.f, 20.f, 40.f}).view({1, 4}), {100, 200}, {50, 400});
  EXPECT_TRUE(at::allclose(r, at::tensor({20.f, 5.f, 40.f, 20.f}).view({1, 4})));
  EXPECT_THROW(rescale_boxes(r, {0, 1}, {1, 1}), Error);
}

TEST(Boxes, RejectsBadShapes) {
  EXPECT_THROW(box_iou(at::zeros({3, 3}), at::zeros({2, 4})), Error);
  EXPECT_THROW(box_area(at::zeros({4})), Error);
}

}  // namespace glip::ops
