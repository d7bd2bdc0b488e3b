#include <gtest/gtest.h>

#include "eval_builders.h"
#include "glip/core/error.h"
#include "glip/evaluation/coco_eval.h"

namespace {

using namespace glip::test;
using glip::eval::coco_evaluate;
using glip::formats::parse_ground_truth;
using glip::formats::parse_results;

glip::eval::CocoEvalResult run_coco(const std::string& gt, const std::vector<std::string>& dets) {
  return coco_evaluate(parse_ground_truth(gt, "gt.json"), parse_results("[" + join(dets) + "]", "res.json"),
                       "res.json");
}

double cat_ap(const glip::eval::CocoEvalResult& r, int64_t id) {
  for (auto [c, ap] : r.per_category_ap) {
    if (c == id) return ap;
  }
  return -2;
}

TEST(CocoEval, Thresholds) {
  auto p = glip::eval::EvalParams::coco();
  ASSERT_EQ(p.iou_thrs.size(), 10u);
  EXPECT_EQ(p.iou_thrs[0], 0.5);
  EXPECT_EQ(p.iou_thrs[5], 0.75);  // AP75 finds its threshold by equality, as pycocotools
  EXPECT_EQ(p.iou_thrs[9], 0.95);
  ASSERT_EQ(p.rec_thrs.size(), 101u);
  EXPECT_EQ(p.rec_thrs[7], 7 * 0.01);
}

TEST(CocoEval, BoxIouMatchesMaskApi) {
  glip::formats::BoxXYWH a{0, 0, 10, 10}, b{5, 0, 10, 10}, far{100, 100, 1, 1};
  EXPECT_DOUBLE_EQ(glip::eval::box_iou_coco(a, b, false), 50.0 / 150.0);
  EXPECT_DOUBLE_EQ(glip::eval::box_iou_coco(a, b, true), 50.0 / 100.0);  // crowd: union is the detection area
  EXPECT_EQ(glip::eval::box_iou_coco(a, far, false), 0.0);
}

TEST(CocoEval, PerfectDetectionsScoreOneAndUndefinedIsMinusOne) {
  auto r = run_coco(coco_gt({ann(1, 1, 1, 10, 10, 20, 20), ann(2, 2, 1, 50, 50, 100, 100)}),
                    {det(1, 1, 10, 10, 20, 20, 0.9), det(2, 1, 50, 50, 100, 100, 0.8)});
  EXPECT_DOUBLE_EQ(r.stats[0], 1.0);
  EXPECT_DOUBLE_EQ(r.stats[8], 1.0);
  EXPECT_DOUBLE_EQ(r.stats[3], 1.0);   // small (area 400)
  EXPECT_DOUBLE_EQ(r.stats[4], -1.0);  // no medium ground truth
  EXPECT_DOUBLE_EQ(cat_ap(r, 1), 1.0);
  EXPECT_DOUBLE_EQ(cat_ap(r, 2), -1.0);  // category without ground truth
}

TEST(CocoEval, CrowdRegionsAbsorbDetectionsAndIgnoreKeyIsOverwritten) {
  const std::vector<std::string> dets = {det(1, 1, 110, 110, 20, 20, 0.95), det(1, 1, 0, 0, 50, 50, 0.9)};
  auto crowd = run_coco(coco_gt({ann(1, 1, 1, 0, 0, 50, 50), ann(2, 1, 1, 100, 100, 200, 200, 1)}), dets);
  EXPECT_DOUBLE_EQ(crowd.stats[0], 1.0);
  auto no_crowd = run_coco(coco_gt({ann(1, 1, 1, 0, 0, 50, 50), ann(2, 1, 1, 100, 100, 200, 200, 0)}), dets);
  EXPECT_LT(no_crowd.stats[0], 1.0);
  // pycocotools sets gt['ignore'] from iscrowd alone: an `ignore` key changes nothing.
  auto ig = run_coco(coco_gt({ann(1, 1, 1, 0, 0, 50, 50, 0, -1, ", \"ignore\": 1")}), {det(1, 1, 0, 0, 50, 50, 0.9)});
  EXPECT_DOUBLE_EQ(ig.stats[0], 1.0);
}

TEST(CocoEval, TiesKeepFileOrder) {
  const std::string gt = coco_gt({ann(1, 1, 1, 0, 0, 50, 50)});
  auto tp_first = run_coco(gt, {det(1, 1, 0, 0, 50, 50, 0.5), det(1, 1, 200, 200, 50, 50, 0.5)});
  auto fp_first = run_coco(gt, {det(1, 1, 200, 200, 50, 50, 0.5), det(1, 1, 0, 0, 50, 50, 0.5)});
  EXPECT_DOUBLE_EQ(tp_first.stats[0], 1.0);
  EXPECT_DOUBLE_EQ(fp_first.stats[0], 0.5);
}

TEST(CocoEval, OnlyTheTop100DetectionsPerImageCount) {
  const std::string gt = coco_gt({ann(1, 1, 1, 0, 0, 50, 50)});
  std::vector<std::string> dets;
  for (int i = 0; i < 99; ++i) dets.push_back(det(1, 1, 300 + i, 300, 10, 10, 0.9));
  dets.push_back(det(1, 1, 0, 0, 50, 50, 0.1));
  EXPECT_DOUBLE_EQ(run_coco(gt, dets).stats[8], 1.0);  // AR100: the true box is the 100th
  EXPECT_DOUBLE_EQ(run_coco(gt, dets).stats[7], 0.0);  // AR10
  dets.insert(dets.begin(), det(1, 1, 500, 500, 10, 10, 0.95));
  EXPECT_DOUBLE_EQ(run_coco(gt, dets).stats[8], 0.0);  // now it is the 101st
}

TEST(CocoEval, AreaRangesUseTheAnnotatedArea) {
  // box 50x50 (2500, medium) but annotated area 900 (small)
  auto r = run_coco(coco_gt({ann(1, 1, 1, 0, 0, 50, 50, 0, 900)}), {det(1, 1, 0, 0, 50, 50, 0.9)});
  EXPECT_DOUBLE_EQ(r.stats[3], 1.0);
  EXPECT_DOUBLE_EQ(r.stats[4], -1.0);
}

TEST(CocoEval, GroundTruthIdZeroNeverCountsAsAMatch) {
  // dtMatches stores the gt id and tests it for non-zero: a match to id 0 is a false positive.
  auto r = run_coco(coco_gt({ann(0, 1, 1, 0, 0, 50, 50)}), {det(1, 1, 0, 0, 50, 50, 0.9)});
  EXPECT_DOUBLE_EQ(r.stats[0], 0.0);
}

TEST(CocoEval, DetectionsOfUnknownCategoriesAreDropped) {
  auto r =
      run_coco(coco_gt({ann(1, 1, 1, 0, 0, 50, 50)}), {det(1, 7, 0, 0, 50, 50, 0.99), det(1, 1, 0, 0, 50, 50, 0.9)});
  EXPECT_DOUBLE_EQ(r.stats[0], 1.0);
}

TEST(CocoEval, BadInputErrors) {
  try {
    run_coco(coco_gt({ann(1, 1, 1, 0, 0, 50, 50)}), {det(1, 1, 0, 0, 50, 50, 0.9), det(42, 1, 0, 0, 5, 5, 0.9)});
    FAIL() << "expected InputError";
  } catch (const glip::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("Results do not correspond to current coco set"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("image_id 42"), std::string::npos);
  }
  const std::string no_crowd =
      R"({"images": [{"id": 1}], "categories": [{"id": 1}], "annotations": [{"id": 1, "image_id": 1,
          "category_id": 1, "bbox": [0, 0, 5, 5], "area": 25}]})";
  EXPECT_THROW(run_coco(no_crowd, {det(1, 1, 0, 0, 5, 5, 0.5)}), glip::InputError);
}

}  // namespace
