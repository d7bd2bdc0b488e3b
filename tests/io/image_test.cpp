// Image IO in whichever backend this build uses (GLIP_IMAGE_IO=opencv|minimal).
#include "glip/io/image.h"

#include <gtest/gtest.h>

#include <opencv2/imgproc.hpp>

#include "common/test_utils.h"
#include "glip/core/error.h"
#include "glip/core/fs.h"

namespace glip::io {
namespace {

cv::Mat pattern() {
  cv::Mat img(37, 53, CV_8UC3);
  for (int y = 0; y < img.rows; ++y)
    for (int x = 0; x < img.cols; ++x) img.at<cv::Vec3b>(y, x) = cv::Vec3b(x * 4, y * 6, (x + y) % 256);
  cv::circle(img, {20, 18}, 9, cv::Scalar(0, 0, 255), -1);
  return img;
}

TEST(Image, PngRoundTripIsExact) {
  const cv::Mat img = pattern();
  cv::Mat back = decode_image(encode_png(img), "mem.png");
  ASSERT_EQ(back.type(), CV_8UC3);
  EXPECT_EQ(cv::norm(img, back, cv::NORM_INF), 0.0) << image_io_backend();
  cv::Mat grey;
  cv::cvtColor(img, grey, cv::COLOR_BGR2GRAY);
  cv::Mat grey_back = decode_image(encode_png(grey), "grey.png");
  ASSERT_EQ(grey_back.channels(), 3);
  cv::Mat grey_again;
  cv::cvtColor(grey_back, grey_again, cv::COLOR_BGR2GRAY);
  EXPECT_LE(cv::norm(grey, grey_again, cv::NORM_INF), 1.0);
}

TEST(Image, JpegRoundTripIsClose) {
  const cv::Mat img = pattern();
  const std::string jpg = encode_jpeg(img, 95);
  EXPECT_EQ(jpg.compare(0, 3, "\xFF\xD8\xFF"), 0);
  const std::string path = test::temp_dir("image") + "/a.jpg";
  write_file_atomic(path, jpg);
  cv::Mat back = read_image(path);
  ASSERT_EQ(back.size(), img.size());
  EXPECT_LT(cv::norm(img, back, cv::NORM_L1) / img.total() / 3, 6.0);
}

TEST(Image, BadBytesNameTheFile) {
  try {
    decode_image("hello", "x/bad.jpg");
    FAIL() << "expected an error";
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()), "image 'x/bad.jpg': not a JPEG or PNG file (5 bytes)");
  }
  std::string truncated = encode_png(pattern()).substr(0, 60);
  EXPECT_THROW(decode_image(truncated, "t.png"), InputError);
  std::string jpg = encode_jpeg(pattern());
  EXPECT_THROW(decode_image(jpg.substr(0, 20), "t.jpg"), InputError);
  EXPECT_THROW(read_image("/no/such/image.png"), InputError);
}

// tests/data/images/make_exif_rotated.py: 32 x 16, red left half, blue right half, EXIF Orientation 6. PIL
// (the official pipeline, no exif_transpose) reads (254, 0, 0) at x=2 and (0, 0, 254) at x=29 of row 8.
TEST(Image, ExifOrientationIsIgnoredAsTheOfficialPipeline) {
  const cv::Mat img = read_image(test::data_dir() + "/images/exif_rotated.jpg");
  ASSERT_EQ(img.cols, 32) << image_io_backend();
  ASSERT_EQ(img.rows, 16) << image_io_backend();
  const cv::Vec3b left = img.at<cv::Vec3b>(8, 2), right = img.at<cv::Vec3b>(8, 29);  // BGR
  EXPECT_NEAR(left[2], 254, 3);
  EXPECT_NEAR(left[0], 0, 3);
  EXPECT_NEAR(right[0], 254, 3);
  EXPECT_NEAR(right[2], 0, 3);
}

TEST(Image, OneListOfImageExtensions) {
  EXPECT_EQ(image_extensions(), (std::vector<std::string>{".jpg", ".jpeg", ".png"}));
  for (const char* e : {".jpg", "JPG", ".Jpeg", "png", ".PNG"}) EXPECT_TRUE(is_image_extension(e)) << e;
  for (const char* e : {".bmp", "bmp", "seg.jpg", "", ".", ".jpgx", ".txt"}) EXPECT_FALSE(is_image_extension(e)) << e;
}

}  // namespace
}  // namespace glip::io
