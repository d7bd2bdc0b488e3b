#include "glip/data/transforms.h"

#include <gtest/gtest.h>

#include <opencv2/core.hpp>

#include "common/test_utils.h"
#include "glip/core/error.h"
#include "glip/core/fs.h"
#include "glip/io/image.h"

namespace glip::data {

TEST(Transforms, ResizedSizeMatchesOfficialGetSize) {
  EXPECT_EQ(resized_size(480, 640, 800, 1333), (std::array<int64_t, 2>{800, 1066}));
  EXPECT_EQ(resized_size(500, 2000, 800, 1333),
            (std::array<int64_t, 2>{333, 1332}));  // long side capped (int() truncates)
  EXPECT_EQ(resized_size(800, 600, 600, 1333), (std::array<int64_t, 2>{800, 600}));  // already that size
  EXPECT_EQ(resized_size(160, 160, 256, 0), (std::array<int64_t, 2>{256, 256}));
  EXPECT_EQ(resized_size(300, 200, 100, 1000), (std::array<int64_t, 2>{150, 100}));
}

TEST(Transforms, SwapLeftRightMovesSpans) {
  std::vector<BoxAnnotation> boxes(2);
  //                 0123456789012345678901234567890
  std::string cap = "a star left of a ring, Right leftover";
  boxes[0].spans = {{0, 6}, {15, 21}};
  boxes[1].spans = {{7, 11}, {23, 28}};
  std::string out = swap_left_right(cap, boxes);
  EXPECT_EQ(out, "a star right of a ring, Left leftover");
  EXPECT_EQ(out.substr(boxes[0].spans[0][0], boxes[0].spans[0][1] - boxes[0].spans[0][0]), "a star");
  EXPECT_EQ(out.substr(boxes[0].spans[1][0], boxes[0].spans[1][1] - boxes[0].spans[1][0]), "a ring");
  EXPECT_EQ(out.substr(boxes[1].spans[0][0], boxes[1].spans[0][1] - boxes[1].spans[0][0]), "right");
  EXPECT_EQ(out.substr(boxes[1].spans[1][0], boxes[1].spans[1][1] - boxes[1].spans[1][0]), "Left");
  // Swapping twice restores the caption and the spans.
  std::string back = swap_left_right(out, boxes);
  EXPECT_EQ(back, cap);
  EXPECT_EQ(boxes[0].spans[1], (Span{15, 21}));
  EXPECT_EQ(boxes[1].spans[1], (Span{23, 28}));
}

TEST(Transforms, FlipAndResizeBoxesAndNormalise) {
  Record r;
  r.caption = "the left star";
  BoxAnnotation b;
  b.xyxy = {10, 20, 30, 40};
  b.spans = {{4, 13}};
  r.boxes = {b};
  at::Tensor img = at::full({50, 100, 3}, 128, at::kByte);
  TransformOptions opt;
  opt.min_size = {100};
  opt.max_size = 1000;
  opt.flip_prob = 1.0;
  std::mt19937_64 rng(1);
  auto s = transform_sample(r, img, opt, rng);
  ASSERT_TRUE(s.flipped);
  EXPECT_EQ(s.image.sizes(), (at::IntArrayRef{3, 100, 200}));
  EXPECT_EQ(s.caption, "the right star");
  EXPECT_EQ(s.boxes[0].spans[0], (Span{4, 14}));
  // scale 2, then x -> 200 - x - 1
  EXPECT_FLOAT_EQ(s.boxes[0].xyxy[0], 200 - 60 - 1);
  EXPECT_FLOAT_EQ(s.boxes[0].xyxy[2], 200 - 20 - 1);
  EXPECT_FLOAT_EQ(s.boxes[0].xyxy[1], 40);
  EXPECT_NEAR(s.image[0][0][0].item<float>(), (128 - 103.530) / 57.375, 1e-5);
  EXPECT_NEAR(s.image[2][5][5].item<float>(), (128 - 123.675) / 58.395, 1e-5);
}

TEST(Transforms, DecodeImageFileAndErrors) {
  auto dir = test::temp_dir("img");
  cv::Mat m(4, 6, CV_8UC3, cv::Scalar(10, 20, 30));
  write_file_atomic(dir + "/a.png", io::encode_png(m));
  auto t = decode_image({dir + "/a.png", ""});
  EXPECT_EQ(t.sizes(), (at::IntArrayRef{4, 6, 3}));
  EXPECT_EQ(t[0][0][0].item<int>(), 10);  // BGR order kept
  EXPECT_EQ(t[0][0][2].item<int>(), 30);
  write_file_atomic(dir + "/bad.jpg", "definitely not a jpeg");
  try {
    decode_image({dir + "/bad.jpg", ""});
    FAIL();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("bad.jpg"), std::string::npos);
  }
}

}  // namespace glip::data
