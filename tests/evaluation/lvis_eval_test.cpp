#include <gtest/gtest.h>

#include "eval_builders.h"
#include "glip/core/error.h"
#include "glip/evaluation/lvis_eval.h"

namespace {

using namespace glip::test;

struct Img {
  int id;
  std::string neg, not_exhaustive;  // "1, 2"
};

std::string lvis_gt(const std::vector<Img>& images, const std::vector<std::string>& anns,
                    const std::string& freqs = "fcr") {
  std::vector<std::string> imgs, cats;
  for (const auto& i : images) {
    imgs.push_back("{\"id\": " + std::to_string(i.id) + ", \"neg_category_ids\": [" + i.neg +
                   "], \"not_exhaustive_category_ids\": [" + i.not_exhaustive + "]}");
  }
  for (size_t c = 0; c < freqs.size(); ++c) {
    cats.push_back("{\"id\": " + std::to_string(c + 1) + ", \"frequency\": \"" + freqs[c] + "\"}");
  }
  return "{\"images\": [" + join(imgs) + "], \"categories\": [" + join(cats) + "], \"annotations\": [" + join(anns) +
         "]}";
}

double metric(const glip::eval::LvisEvalResult& r, const std::string& name) {
  for (const auto& [k, v] : r.metrics) {
    if (k == name) return v;
  }
  ADD_FAILURE() << "no metric " << name;
  return -2;
}

glip::eval::LvisEvalResult run_lvis(const std::string& gt, const std::vector<std::string>& dets,
                                    glip::eval::LvisEvalOptions opt = {}) {
  return glip::eval::lvis_evaluate(glip::formats::parse_ground_truth(gt, "gt.json"),
                                   glip::formats::parse_results("[" + join(dets) + "]", "res.json"), opt, "res.json");
}

TEST(LvisEval, FederatedRulesDropDetectionsOfUnverifiedCategories) {
  const std::vector<std::string> anns = {ann(1, 1, 1, 0, 0, 50, 50)};
  const std::vector<std::string> dets = {det(1, 1, 0, 0, 50, 50, 0.8), det(2, 1, 0, 0, 50, 50, 0.9)};
  // image 2 says nothing about category 1: its detection is not evaluated
  auto unverified = run_lvis(lvis_gt({{1, "", ""}, {2, "", ""}}, anns), dets);
  EXPECT_DOUBLE_EQ(metric(unverified, "AP"), 1.0);
  // image 2 lists category 1 as absent: the detection is a false positive
  auto negative = run_lvis(lvis_gt({{1, "", ""}, {2, "1", ""}}, anns), dets);
  EXPECT_LT(metric(negative, "AP"), 1.0);
  EXPECT_DOUBLE_EQ(metric(negative, "APf"), metric(negative, "AP"));
  EXPECT_DOUBLE_EQ(metric(negative, "APr"), -1.0);  // no rare category has ground truth
  EXPECT_DOUBLE_EQ(metric(negative, "AR@300"), 1.0);
}

TEST(LvisEval, NotExhaustiveCategoriesIgnoreUnmatchedDetections) {
  const std::vector<std::string> anns = {ann(1, 1, 1, 0, 0, 50, 50)};
  const std::vector<std::string> dets = {det(1, 1, 100, 100, 50, 50, 0.9), det(1, 1, 0, 0, 50, 50, 0.8)};
  EXPECT_LT(metric(run_lvis(lvis_gt({{1, "", ""}}, anns), dets), "AP"), 1.0);
  EXPECT_DOUBLE_EQ(metric(run_lvis(lvis_gt({{1, "", "1"}}, anns), dets), "AP"), 1.0);
}

TEST(LvisEval, IgnoreKeyAndZeroAreaGroundTruth) {
  // `ignore` is honoured by lvis-api; an area-0 annotation is not listed at all
  auto ig = run_lvis(lvis_gt({{1, "", ""}}, {ann(1, 1, 1, 0, 0, 50, 50, 0, -1, ", \"ignore\": 1")}),
                     {det(1, 1, 0, 0, 50, 50, 0.8)});
  EXPECT_DOUBLE_EQ(metric(ig, "AP"), -1.0);
  auto zero = run_lvis(lvis_gt({{1, "", ""}}, {ann(1, 1, 1, 0, 0, 50, 50, 0, 0)}), {det(1, 1, 0, 0, 50, 50, 0.8)});
  EXPECT_DOUBLE_EQ(metric(zero, "AP"), -1.0);
}

TEST(LvisEval, PerImageLimitAndFixedAp) {
  const std::string gt = lvis_gt({{1, "", ""}, {2, "", ""}}, {ann(1, 1, 1, 0, 0, 50, 50), ann(2, 2, 1, 0, 0, 50, 50)});
  const std::vector<std::string> dets = {det(1, 1, 100, 100, 9, 9, 0.9), det(1, 1, 0, 0, 50, 50, 0.5),
                                         det(2, 1, 100, 100, 9, 9, 0.9), det(2, 1, 0, 0, 50, 50, 0.5)};
  glip::eval::LvisEvalOptions standard;
  EXPECT_DOUBLE_EQ(metric(run_lvis(gt, dets, standard), "AR@300"), 1.0);
  standard.max_dets_per_image = 1;  // keeps only the false positive of each image
  EXPECT_DOUBLE_EQ(metric(run_lvis(gt, dets, standard), "AR@1"), 0.0);
  glip::eval::LvisEvalOptions fixed;
  fixed.fixed_ap = true;
  fixed.topk_per_category = 3;  // the two 0.9 false positives and one true positive survive
  auto r = run_lvis(gt, dets, fixed);
  EXPECT_DOUBLE_EQ(metric(r, "AR@-1"), 0.5);  // named as the reference names it
  fixed.topk_per_category = 2;
  EXPECT_DOUBLE_EQ(metric(run_lvis(gt, dets, fixed), "AP"), 0.0);
}

TEST(LvisEval, BadInputErrors) {
  const std::vector<std::string> anns = {ann(1, 1, 1, 0, 0, 50, 50)};
  const std::vector<std::string> dets = {det(1, 1, 0, 0, 50, 50, 0.8)};
  EXPECT_THROW(run_lvis(lvis_gt({{1, "", ""}}, anns, "fx"), dets), glip::InputError);
  EXPECT_THROW(run_lvis(coco_gt(anns, 1, 1), dets), glip::InputError);  // no neg_category_ids
  try {
    run_lvis(lvis_gt({{1, "", ""}}, anns), {det(9, 1, 0, 0, 5, 5, 0.5)});
    FAIL() << "expected InputError";
  } catch (const glip::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("Results do not correspond to current LVIS set"), std::string::npos);
  }
}

}  // namespace
