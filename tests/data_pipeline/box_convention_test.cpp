// The official box convention end to end (glip/data/boxes.h): readers, clipping, flip, resize, ATSS target
// encoding, COCO result writing. Every expected number below is computed by hand from the official formulas of
// microsoft/GLIP (commit 9dda955), not from glip's output:
//   read     structures/bounding_box.py BoxList(mode="xywh").convert("xyxy"): x2 = x + (w - 1).clamp(min=0)
//            (data/datasets/coco.py, modulated_coco.py; ConvertCocoPolysToMask: boxes[:, 2:] += boxes[:, :2] - 1)
//   clip     BoxList.clip_to_image(remove_empty=True): x in [0, W - 1], y in [0, H - 1], keep x2 > x1 and y2 > y1
//   resize   BoxList.resize: every coordinate times new size / old size
//   flip     BoxList.transpose(FLIP_LEFT_RIGHT): x1' = W - x2 - 1, x2' = W - x1 - 1
//   encode   rpn/vldyhead.py BoxCoder.encode: widths x2 - x1 + 1, centres x1 + 0.5 * width, weights (10, 10, 5, 5)
//   write    data/datasets/evaluation/coco/coco_eval.py prepare_for_coco_detection: BoxList.convert("xywh"),
//            w = x2 - x1 + 1
// Before this convention glip read x2 = x + w: a model trained on its targets learned boxes one pixel wider and
// taller than the official one and its COCO results came out one pixel too wide and tall (the comments give the
// numbers the old readers produced).
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "common/test_utils.h"
#include "glip/core/fs.h"
#include "glip/data/boxes.h"
#include "glip/data/readers.h"
#include "glip/data/transforms.h"
#include "glip/evaluation/model_eval.h"
#include "glip/modeling/head/box_coder.h"

namespace glip::data {
namespace {

using Box = std::array<float, 4>;

// One object, COCO [10, 20, 30, 40], in a 200 x 100 image (W x H).
constexpr int64_t kW = 200, kH = 100;

RecordSet read_one_coco_box(const std::string& dir) {
  write_file_atomic(dir + "/instances.json", R"({"images": [{"id": 3, "file_name": "a.jpg", "width": 200,
    "height": 100}], "categories": [{"id": 1, "name": "star"}],
    "annotations": [{"id": 1, "image_id": 3, "category_id": 1, "bbox": [10, 20, 30, 40], "area": 1200,
                     "iscrowd": 0}]})");
  return read_coco_detection(dir + "/instances.json", dir);
}

TransformedSample transform(const Record& r, int64_t short_side, bool flip) {
  TransformOptions o;
  o.min_size = {short_side};
  o.max_size = 0;
  o.flip_prob = flip ? 1.0 : 0.0;
  std::mt19937_64 rng(5);
  const at::Tensor img = at::zeros({r.height, r.width, 3}, at::kByte);
  return transform_sample(r, img, o, rng);
}

Record as_record(const TransformedSample& s) {
  Record r;
  r.height = s.image.size(1);
  r.width = s.image.size(2);
  r.boxes = s.boxes;
  return r;
}

// COCO result entries of one image with these xyxy detections, as glip writes a COCO-protocol results file.
nlohmann::json coco_results(const std::vector<Box>& boxes) {
  at::Tensor b = at::empty({static_cast<int64_t>(boxes.size()), 4}, at::kFloat);
  for (size_t i = 0; i < boxes.size(); ++i)
    for (int k = 0; k < 4; ++k) b[static_cast<int64_t>(i)][k] = boxes[i][static_cast<size_t>(k)];
  Detections d{b, at::full({b.size(0)}, 0.9f), at::ones({b.size(0)}, at::kLong)};
  const auto results = eval::to_results({eval::EvalImage{3, {}}}, {d}, /*plus_one=*/true);
  return nlohmann::json::parse(eval::results_json(results));
}

TEST(BoxConvention, ReadFlipTwiceResizeAndWriteGiveTheOfficialNumbers) {
  const RecordSet set = read_one_coco_box(test::temp_dir("boxconv_roundtrip"));
  ASSERT_EQ(set.records.size(), 1u);
  Record r = set.records[0];
  r.width = kW;
  r.height = kH;
  ASSERT_EQ(r.boxes.size(), 1u);
  // read: [10, 20, 10 + (30 - 1), 20 + (40 - 1)]   (old glip: [10, 20, 40, 60])
  EXPECT_EQ(r.boxes[0].xyxy, (Box{10, 20, 39, 59}));
  // clip to 200 x 100: inside [0, 199] x [0, 99], unchanged
  ASSERT_TRUE(clip_box_to_image(r.boxes[0].xyxy, kW, kH));
  EXPECT_EQ(r.boxes[0].xyxy, (Box{10, 20, 39, 59}));

  // flip at the image's own size (short side 100: no resize): [200 - 39 - 1, 20, 200 - 10 - 1, 59]
  const TransformedSample f1 = transform(r, kH, true);
  ASSERT_TRUE(f1.flipped);
  ASSERT_EQ(f1.image.sizes(), (at::IntArrayRef{3, kH, kW}));
  EXPECT_EQ(f1.boxes[0].xyxy, (Box{160, 20, 189, 59}));
  // flip again: [200 - 189 - 1, 20, 200 - 160 - 1, 59], the box as read
  const TransformedSample f2 = transform(as_record(f1), kH, true);
  EXPECT_EQ(f2.boxes[0].xyxy, (Box{10, 20, 39, 59}));

  // resize to short side 50 (100 x 50, ratio 0.5): [5, 10, 19.5, 29.5]   (old glip: [5, 10, 20, 30])
  const TransformedSample rs = transform(as_record(f2), 50, false);
  ASSERT_EQ(rs.image.sizes(), (at::IntArrayRef{3, 50, 100}));
  EXPECT_EQ(rs.boxes[0].xyxy, (Box{5, 10, 19.5f, 29.5f}));

  // written as a COCO result: [5, 10, 19.5 - 5 + 1, 29.5 - 10 + 1] = [5, 10, 15.5, 20.5]   (old: [5, 10, 16, 21])
  const auto small = coco_results({rs.boxes[0].xyxy});
  ASSERT_EQ(small.size(), 1u);
  EXPECT_EQ(small[0]["image_id"], 3);
  EXPECT_EQ(small[0]["bbox"], nlohmann::json::parse("[5.0, 10.0, 15.5, 20.5]"));
  // rescaled to the original image (the predictor's BoxList.resize, ratio 2) and written: the annotation itself,
  // [10, 20, 39 - 10 + 1, 59 - 20 + 1] = [10, 20, 30, 40]   (old glip: [10, 20, 31, 41], a pixel too wide and tall)
  const auto back = coco_results({resize_box(rs.boxes[0].xyxy, 2.f, 2.f)});
  EXPECT_EQ(back[0]["bbox"], nlohmann::json::parse("[10.0, 20.0, 30.0, 40.0]"));
}

TEST(BoxConvention, AFlipIsTheOfficialFlipAndMirrorsTheCocoBox) {
  // BoxList.transpose(FLIP_LEFT_RIGHT) on [10, 20, 39, 59] in a 200-wide image: [200 - 39 - 1, 20, 200 - 10 - 1, 59].
  EXPECT_EQ(flip_box_left_right({10, 20, 39, 59}, kW), (Box{160, 20, 189, 59}));
  EXPECT_EQ(flip_box_left_right({0, 0, 199, 99}, kW), (Box{0, 0, 199, 99}));  // the whole image stays the whole image
  EXPECT_EQ(flip_box_left_right({2.5f, 1, 7.25f, 3}, 10), (Box{1.75f, 1, 6.5f, 3}));  // 10 - 7.25 - 1, 10 - 2.5 - 1
  // The pipeline's flip (transform_sample) is the same, and written back as COCO the box is the exact mirror of
  // the annotation: x' = W - x - w = 200 - 10 - 30 = 160, same size   (old glip: [159, 20, 31, 41]).
  Record r = read_one_coco_box(test::temp_dir("boxconv_flip")).records.at(0);
  r.width = kW;
  r.height = kH;
  const TransformedSample f = transform(r, kH, true);
  ASSERT_TRUE(f.flipped);
  EXPECT_EQ(f.boxes[0].xyxy, (Box{160, 20, 189, 59}));
  EXPECT_EQ(coco_results({f.boxes[0].xyxy})[0]["bbox"], nlohmann::json::parse("[160.0, 20.0, 30.0, 40.0]"));
}

TEST(BoxConvention, ConversionsAndClippingAreTheOfficialOnes) {
  // BoxList convert: (w - 1).clamp(min=0); back: + 1.
  EXPECT_EQ(coco_xywh_to_xyxy({10, 20, 30, 40}), (Box{10, 20, 39, 59}));
  EXPECT_EQ(coco_xywh_to_xyxy({4, 4, 0.5f, 0}), (Box{4, 4, 4, 4}));
  EXPECT_EQ(xyxy_to_coco_xywh({10, 20, 39, 59}), (std::array<double, 4>{10, 20, 30, 40}));
  // clip_to_image on 200 x 100: to [0, 199] x [0, 99]. A COCO box running off the bottom-right corner,
  // [190, 90, 20, 20] -> [190, 90, 209, 109] -> [190, 90, 199, 99]; one off the left, [-5, 0, 10, 10] -> [0, 0, 4, 9].
  Box b = coco_xywh_to_xyxy({190, 90, 20, 20});
  EXPECT_TRUE(clip_box_to_image(b, kW, kH));
  EXPECT_EQ(b, (Box{190, 90, 199, 99}));
  b = coco_xywh_to_xyxy({-5, 0, 10, 10});
  EXPECT_TRUE(clip_box_to_image(b, kW, kH));
  EXPECT_EQ(b, (Box{0, 0, 4, 9}));
  // remove_empty: a COCO box one pixel wide has x2 == x1 and is dropped, as the official loaders drop it; so is a
  // box wholly right of the image (clamped to x1 == x2 == 199).
  b = coco_xywh_to_xyxy({5, 5, 1, 10});
  EXPECT_FALSE(clip_box_to_image(b, kW, kH));
  b = coco_xywh_to_xyxy({250, 5, 10, 10});
  EXPECT_FALSE(clip_box_to_image(b, kW, kH));
  // resize: coordinates times the ratio, nothing added.
  EXPECT_EQ(resize_box({10, 20, 39, 59}, 1.5f, 0.5f), (Box{15, 10, 58.5f, 29.5f}));
}

TEST(BoxConvention, AtssTargetsEncodeTheOfficialWidths) {
  // vldyhead.BoxCoder.encode of the read box [10, 20, 39, 59] (30 x 40, centre (25, 40)) against the anchor
  // [0, 0, 63, 63] (64 x 64, centre (32, 32)): dx = 10 (25 - 32) / 64, dy = 10 (40 - 32) / 64,
  // dw = 5 ln(30 / 64), dh = 5 ln(40 / 64).   (old glip: a 31 x 41 box, dw = 5 ln(31 / 64))
  const RecordSet set = read_one_coco_box(test::temp_dir("boxconv_encode"));
  const Box& x = set.records.at(0).boxes.at(0).xyxy;
  const at::Tensor gt = at::tensor({x[0], x[1], x[2], x[3]}, at::kFloat).view({1, 4});
  const at::Tensor anchor = at::tensor({0.f, 0.f, 63.f, 63.f}, at::kFloat).view({1, 4});
  const at::Tensor d = modeling::BoxCoder().encode(gt, anchor).to(at::kDouble);
  EXPECT_NEAR(d[0][0].item<double>(), -1.09375, 1e-6);
  EXPECT_NEAR(d[0][1].item<double>(), 1.25, 1e-6);
  EXPECT_NEAR(d[0][2].item<double>(), 5 * std::log(30.0 / 64.0), 1e-5);
  EXPECT_NEAR(d[0][3].item<double>(), 5 * std::log(40.0 / 64.0), 1e-5);
}

TEST(BoxConvention, EveryReaderGivesTheSameBoxForTheSameObject) {
  // The synthetic world writes one object's half-open pixel bounds [10, 40) x [20, 60) as COCO/MDETR [10, 20, 30,
  // 40], ODVG [10, 20, 40, 60] (coco2odvg: [x, y, x + w, y + h]) and Flickr30K XML xmin 10 .. xmax 40 (which
  // MDETR's flickr_combined.py writes as w = xmax - xmin): all read as the official [10, 20, 39, 59].
  const std::string dir = test::temp_dir("boxconv_readers");
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
  EXPECT_EQ(read_one_coco_box(dir).records.at(0).boxes.at(0).xyxy, (Box{10, 20, 39, 59}));
  EXPECT_EQ(read_mdetr(dir + "/mdetr.json", dir).records.at(0).boxes.at(0).xyxy, (Box{10, 20, 39, 59}));
  EXPECT_EQ(read_odvg(dir + "/odvg.jsonl", dir).records.at(0).boxes.at(0).xyxy, (Box{10, 20, 39, 59}));
  EXPECT_EQ(read_flickr(dir + "/flickr/test.txt", "").records.at(0).boxes.at(0).xyxy, (Box{10, 20, 39, 59}));
}

}  // namespace
}  // namespace glip::data
