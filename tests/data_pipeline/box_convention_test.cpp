// The official box convention end to end (glip/data/boxes.h): readers, clipping, flip, resize, ATSS target
// encoding, COCO and LVIS result writing, against microsoft/GLIP (commit 9dda955).
//
// The numbers marked "official" are the output of the official code itself, run by
// tests/data/box_convention/official_box_numbers.py with Debian's /usr/bin/python3 (torch 1.13): BoxList of
// structures/bounding_box.py (convert, clip_to_image, transpose(FLIP_LEFT_RIGHT), resize), vldyhead.BoxCoder.encode
// and lvis_eval.convert_to_xywh, on the COCO boxes of kCoco in a 203 x 150 image. The script's docstring says which
// official call each line is; its output is pasted below as printed (float32, 9 significant digits).
// Before this convention glip read x2 = x + w: a model trained on its targets learned boxes one pixel wider and
// taller than the official one and its COCO results came out one pixel too wide and tall.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "common/test_utils.h"
#include "glip/core/fs.h"
#include "glip/data/boxes.h"
#include "glip/data/readers.h"
#include "glip/data/transforms.h"
#include "glip/inference/batch_detect.h"
#include "glip/modeling/head/box_coder.h"

namespace glip::data {
namespace {

using Box = std::array<float, 4>;
using Boxes = std::vector<Box>;

constexpr int64_t kW = 203, kH = 150;    // the image (W x H)
constexpr int64_t kRW = 135, kRH = 100;  // resized to short side 100: int(100 * 203 / 150) x 100

// The script's COCO list: integers; fractions; decimals inexact in binary; a box off the bottom-right corner and
// one off the left (clipped); a box one pixel wide and one narrower than a pixel (x2 == x1: removed as empty).
constexpr const char* kCocoAnnotations = R"([
  {"id": 1, "image_id": 3, "category_id": 1, "bbox": [10, 20, 30, 40]},
  {"id": 2, "image_id": 3, "category_id": 1, "bbox": [0.5, 3.25, 12.75, 7.5]},
  {"id": 3, "image_id": 3, "category_id": 1, "bbox": [2.1, 7.3, 33.3, 9.9]},
  {"id": 4, "image_id": 3, "category_id": 1, "bbox": [190, 140, 20, 20]},
  {"id": 5, "image_id": 3, "category_id": 1, "bbox": [-5, 0, 10, 10]},
  {"id": 6, "image_id": 3, "category_id": 1, "bbox": [5, 5, 1, 10]},
  {"id": 7, "image_id": 3, "category_id": 1, "bbox": [100, 50, 0.5, 3]}])";

// Official output, as printed (old glip read the first box as [10, 20, 40, 60] and the last two as non-empty).
const Boxes kRead = {{10, 20, 39, 59},
                     {0.5f, 3.25f, 12.25f, 9.75f},
                     {2.0999999f, 7.30000019f, 34.3999977f, 16.2000008f},
                     {190, 140, 209, 159},
                     {-5, 0, 4, 9},
                     {5, 5, 5, 14},
                     {100, 50, 100, 52}};
const Boxes kClip = {{10, 20, 39, 59},
                     {0.5f, 3.25f, 12.25f, 9.75f},
                     {2.0999999f, 7.30000019f, 34.3999977f, 16.2000008f},
                     {190, 140, 202, 149},
                     {0, 0, 4, 9}};  // kept 5 of 7
const Boxes kFlip = {{163, 20, 192, 59},
                     {189.75f, 3.25f, 201.5f, 9.75f},
                     {167.600006f, 7.30000019f, 199.899994f, 16.2000008f},
                     {0, 140, 12, 149},
                     {198, 0, 202, 9}};
const Boxes kFlip2 = {{10, 20, 39, 59},
                      {0.5f, 3.25f, 12.25f, 9.75f},
                      {2.1000061f, 7.30000019f, 34.3999939f, 16.2000008f},
                      {190, 140, 202, 149},
                      {0, 0, 4, 9}};
const Boxes kResize = {{6.65024662f, 13.333334f, 25.9359608f, 39.3333359f},
                       {0.332512319f, 2.16666675f, 8.14655209f, 6.5f},
                       {1.39655173f, 4.86666679f, 22.8768463f, 10.8000011f},
                       {126.354683f, 93.3333359f, 134.334976f, 99.3333359f},
                       {0, 0, 2.66009855f, 6}};
const Boxes kFlipResize = {{108.064041f, 13.333334f, 127.349747f, 39.3333359f},
                           {125.853447f, 2.16666675f, 133.66748f, 6.5f},
                           {111.123154f, 4.86666679f, 132.603455f, 10.8000011f},
                           {-0.334976196f, 93.3333359f, 7.64531708f, 99.3333359f},
                           {131.339905f, 0, 134, 6}};
const Boxes kBack = {{10.000001f, 20, 39, 59.0000038f},
                     {0.5f, 3.25f, 12.250001f, 9.75f},
                     {2.0999999f, 7.30000019f, 34.3999977f, 16.2000008f},
                     {190, 140, 202, 149},
                     {0, 0, 4, 9}};
// The COCO results give back the annotations (old glip: [10, 20, 31, 41] for the first); LVIS's are a pixel less.
const Boxes kCocoXywh = {{10.000001f, 20, 30, 40.0000038f},
                         {0.5f, 3.25f, 12.750001f, 7.5f},
                         {2.0999999f, 7.30000019f, 33.2999992f, 9.90000057f},
                         {190, 140, 13, 10},
                         {0, 0, 5, 10}};
const Boxes kLvisXywh = {{10.000001f, 20, 29, 39.0000038f},
                         {0.5f, 3.25f, 11.750001f, 6.5f},
                         {2.0999999f, 7.30000019f, 32.2999992f, 8.90000057f},
                         {190, 140, 12, 9},
                         {0, 0, 4, 9}};
// vldyhead.BoxCoder.encode(kClip, anchor [0, 0, 63, 63]) (old glip: dw = 5 ln(31 / 64) = -3.627 for the first)
const Boxes kEncode = {{-1.09375f, 1.25f, -3.78842854f, -2.35001826f},
                       {-3.92578125f, -3.90625f, -8.06675911f, -10.7199001f},
                       {-2.07031274f, -3.0859375f, -3.26662874f, -9.33174133f},
                       {25.703125f, 17.65625f, -7.96966839f, -9.28149033f},
                       {-4.609375f, -4.21875f, -12.7472258f, -9.28149033f}};

// Float-exact: glip computes in float32 as the official tensors do. Only the encoding allows 4 ulps, for log()
// kernels that may round differently on other machines. A one-pixel error is millions of ulps.
void expect_boxes(const Boxes& got, const Boxes& want, const std::string& what, bool exact) {
  ASSERT_EQ(got.size(), want.size()) << what;
  for (size_t i = 0; i < want.size(); ++i)
    for (size_t k = 0; k < 4; ++k) {
      if (exact) EXPECT_EQ(got[i][k], want[i][k]) << what << ": box " << i << ", coordinate " << k;
      else EXPECT_FLOAT_EQ(got[i][k], want[i][k]) << what << ": box " << i << ", coordinate " << k;
    }
}

Boxes boxes_of(const std::vector<BoxAnnotation>& annotations) {
  Boxes out;
  for (const auto& a : annotations) out.push_back(a.xyxy);
  return out;
}

Boxes rows_of(const at::Tensor& t) {
  const at::Tensor c = t.to(at::kFloat).contiguous();
  Boxes out(static_cast<size_t>(c.size(0)));
  for (size_t i = 0; i < out.size(); ++i)
    for (size_t k = 0; k < 4; ++k) out[i][k] = c.data_ptr<float>()[4 * i + k];
  return out;
}

at::Tensor tensor_of(const Boxes& boxes) {
  at::Tensor t = at::empty({static_cast<int64_t>(boxes.size()), 4}, at::kFloat);
  for (size_t i = 0; i < boxes.size(); ++i)
    for (size_t k = 0; k < 4; ++k) t.data_ptr<float>()[4 * i + k] = boxes[i][k];
  return t;
}

Record record_of(const Boxes& boxes) {
  Record r;
  for (const auto& b : boxes) r.boxes.push_back({b, 1, {}, 1.f});
  return r;
}

// transform_sample of an all-black kW x kH image: resized to short side `short_side`, flipped or not.
Boxes transformed(const Boxes& boxes, int64_t short_side, bool flip) {
  TransformOptions o;
  o.min_size = {short_side};
  o.max_size = 0;
  o.flip_prob = flip ? 1.0 : 0.0;
  std::mt19937_64 rng(5);
  const TransformedSample s = transform_sample(record_of(boxes), at::zeros({kH, kW, 3}, at::kByte), o, rng);
  EXPECT_EQ(s.flipped, flip);
  EXPECT_EQ(s.image.sizes(), (at::IntArrayRef{3, short_side == kH ? kH : kRH, short_side == kH ? kW : kRW}));
  return boxes_of(s.boxes);
}

// The [x, y, w, h] of glip's results files (inference::to_results) for these xyxy detections of one image.
Boxes result_xywh(const Boxes& xyxy, bool plus_one) {
  Detections d{tensor_of(xyxy), at::full({static_cast<int64_t>(xyxy.size())}, 0.9f),
               at::ones({static_cast<int64_t>(xyxy.size())}, at::kLong)};
  Boxes out;
  for (const auto& r : inference::to_results({inference::EvalImage{3, {}}}, {d}, plus_one)) {
    EXPECT_EQ(r.image_id, 3);
    out.push_back({static_cast<float>(r.bbox.x), static_cast<float>(r.bbox.y), static_cast<float>(r.bbox.w),
                   static_cast<float>(r.bbox.h)});
    // The writer's doubles are the float32 numbers the official .tolist() gives, not a double recomputation.
    EXPECT_EQ(static_cast<double>(out.back()[2]), r.bbox.w);
  }
  return out;
}

TEST(BoxConvention, ReadingAndClippingGiveTheOfficialBoxes) {
  const std::string dir = test::temp_dir("boxconv_read");
  write_file_atomic(dir + "/instances.json", std::string(R"({"images": [{"id": 3, "file_name": "a.jpg", "width": 203,
    "height": 150}], "categories": [{"id": 1, "name": "star"}], "annotations": )") +
                                                 kCocoAnnotations + "}");
  for (const bool lvis : {false, true}) {
    const RecordSet set =
        lvis ? read_lvis(dir + "/instances.json", dir) : read_coco_detection(dir + "/instances.json", dir);
    ASSERT_EQ(set.records.size(), 1u);
    Boxes read = boxes_of(set.records[0].boxes);
    expect_boxes(read, kRead, lvis ? "lvis read" : "coco read", true);
    Boxes kept;
    for (auto b : read)
      if (clip_box_to_image(b, kW, kH)) kept.push_back(b);
    expect_boxes(kept, kClip, "clip_to_image", true);
  }
}

TEST(BoxConvention, FlipTwiceAndResizeGiveTheOfficialBoxes) {
  expect_boxes(transformed(kClip, kH, true), kFlip, "flip", true);
  expect_boxes(transformed(transformed(kClip, kH, true), kH, true), kFlip2, "flip twice", true);
  expect_boxes(transformed(kClip, kRH, false), kResize, "resize", true);
  expect_boxes(transformed(kClip, kRH, true), kFlipResize, "resize then flip", true);
  // The pipeline's flip is flip_box_left_right; a flip of the whole image is the whole image.
  for (size_t i = 0; i < kClip.size(); ++i) EXPECT_EQ(flip_box_left_right(kClip[i], kW), kFlip[i]);
  EXPECT_EQ(flip_box_left_right({0, 0, kW - 1, kH - 1}, kW), (Box{0, 0, kW - 1, kH - 1}));
}

TEST(BoxConvention, ResultsFilesGiveTheOfficialXywh) {
  // Back to the original size as the predictor scales detections (BoxList.resize by original / resized).
  Boxes back;
  for (const auto& b : kResize)
    back.push_back(resize_box(b, static_cast<float>(static_cast<double>(kW) / kRW),
                              static_cast<float>(static_cast<double>(kH) / kRH)));
  expect_boxes(back, kBack, "resize back", true);
  expect_boxes(result_xywh(kBack, /*plus_one=*/true), kCocoXywh, "COCO results", true);
  expect_boxes(result_xywh(kBack, /*plus_one=*/false), kLvisXywh, "LVIS results", true);
}

TEST(BoxConvention, AtssTargetsEncodeTheOfficialNumbers) {
  const at::Tensor anchors = at::tensor({0.f, 0.f, 63.f, 63.f}).view({1, 4}).expand({5, 4}).contiguous();
  expect_boxes(rows_of(modeling::BoxCoder().encode(tensor_of(kClip), anchors)), kEncode, "BoxCoder.encode", false);
}

TEST(BoxConvention, ConversionsAndClippingAreTheOfficialOnes) {
  // BoxList convert: (w - 1).clamp(min=0); back: + 1 (COCO) or nothing (LVIS).
  EXPECT_EQ(coco_xywh_to_xyxy({10, 20, 30, 40}), (Box{10, 20, 39, 59}));
  EXPECT_EQ(coco_xywh_to_xyxy({4, 4, 0.5f, 0}), (Box{4, 4, 4, 4}));
  EXPECT_EQ(xyxy_to_result_xywh({10, 20, 39, 59}, true), (std::array<double, 4>{10, 20, 30, 40}));
  EXPECT_EQ(xyxy_to_result_xywh({10, 20, 39, 59}, false), (std::array<double, 4>{10, 20, 29, 39}));
  // clip_to_image on 203 x 150: to [0, 202] x [0, 149]; a NaN coordinate fails the emptiness test.
  Box b{-1, 3, 500, 149.5f};
  EXPECT_TRUE(clip_box_to_image(b, kW, kH));
  EXPECT_EQ(b, (Box{0, 3, 202, 149}));
  b = {250, 5, 260, 10};  // wholly right of the image: x1 == x2 == 202
  EXPECT_FALSE(clip_box_to_image(b, kW, kH));
  b = {std::nanf(""), 5, 10, 10};
  EXPECT_FALSE(clip_box_to_image(b, kW, kH));
  // resize: coordinates times the ratio, nothing added.
  EXPECT_EQ(resize_box({10, 20, 39, 59}, 1.5f, 0.5f), (Box{15, 10, 58.5f, 29.5f}));
}

TEST(BoxConvention, EveryReaderGivesTheSameBoxForTheSameObject) {
  // The synthetic world writes one object's half-open pixel bounds [10, 40) x [20, 60) as COCO/MDETR [10, 20, 30,
  // 40], ODVG [10, 20, 40, 60] (coco2odvg: [x, y, x + w, y + h]) and Flickr30K XML xmin 10 .. xmax 40 (which
  // MDETR's flickr_combined.py writes as w = xmax - xmin): all read as the official [10, 20, 39, 59].
  const std::string dir = test::temp_dir("boxconv_readers");
  write_file_atomic(dir + "/coco.json", R"({"images": [{"id": 3, "file_name": "a.jpg", "width": 200,
    "height": 100}], "categories": [{"id": 1, "name": "star"}],
    "annotations": [{"id": 1, "image_id": 3, "category_id": 1, "bbox": [10, 20, 30, 40]}]})");
  write_file_atomic(dir + "/mdetr.json", R"({"images": [{"id": 1, "file_name": "a.jpg", "height": 100,
    "width": 200, "caption": "a star"}], "annotations": [{"id": 1, "image_id": 1, "bbox": [10, 20, 30, 40],
    "tokens_positive": [[0, 6]], "category_id": 1}]})");
  write_file_atomic(dir + "/odvg.jsonl",
                    R"({"filename": "a.jpg", "height": 100, "width": 200, "grounding": {"caption": "a star", )"
                    R"("regions": [{"bbox": [10, 20, 40, 60], "phrase": "a star", "tokens_positive": [[0, 6]]}]}})"
                    "\n");
  std::filesystem::create_directories(dir + "/flickr/Sentences");
  std::filesystem::create_directories(dir + "/flickr/Annotations");
  write_file_atomic(dir + "/flickr/test.txt", "7\n");
  write_file_atomic(dir + "/flickr/Sentences/7.txt", "[/EN#11/other A star] .\n");
  write_file_atomic(dir + "/flickr/Annotations/7.xml",
                    "<annotation><filename>7.jpg</filename><size><width>200</width><height>100</height>"
                    "<depth>3</depth></size><object><name>11</name><bndbox><xmin>10</xmin><ymin>20</ymin>"
                    "<xmax>40</xmax><ymax>60</ymax></bndbox></object></annotation>");
  const Box want{10, 20, 39, 59};
  EXPECT_EQ(read_coco_detection(dir + "/coco.json", dir).records.at(0).boxes.at(0).xyxy, want);
  EXPECT_EQ(read_mdetr(dir + "/mdetr.json", dir).records.at(0).boxes.at(0).xyxy, want);
  EXPECT_EQ(read_odvg(dir + "/odvg.jsonl", dir).records.at(0).boxes.at(0).xyxy, want);
  EXPECT_EQ(read_flickr(dir + "/flickr/test.txt", "").records.at(0).boxes.at(0).xyxy, want);
}

}  // namespace
}  // namespace glip::data
