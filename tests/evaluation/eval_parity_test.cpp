// Label parity: every case folder under the fixtures (coco/case*, lvis/case*, flickr/*) reproduces its
// expected.json (computed by pycocotools, lvis-api and MDETR's Flickr evaluator) to 1e-6.
#include <gtest/gtest.h>

#include <filesystem>

#include "eval_test_utils.h"
#include "glip/evaluation/coco_eval.h"
#include "glip/evaluation/flickr_eval.h"
#include "glip/evaluation/lvis_eval.h"

namespace {

constexpr double kTol = 1e-6;
namespace fs = std::filesystem;
using glip::test::eval_cases;
using glip::test::eval_fixtures_dir;
using glip::test::json_matches;
using glip::test::read_json;

TEST(EvalParity, FixturesArePresent) {
  const std::string dir = eval_fixtures_dir();
  const size_t n =
      eval_cases(dir + "/coco").size() + eval_cases(dir + "/lvis").size() + eval_cases(dir + "/flickr").size();
  EXPECT_GT(n, 0u) << "no evaluation fixtures under " << dir;
}

TEST(EvalParity, CocoCases) {
  for (const std::string& c : eval_cases(eval_fixtures_dir() + "/coco")) {
    SCOPED_TRACE(c);
    auto gt = glip::formats::load_ground_truth(c + "/gt.json");
    auto res = glip::formats::load_results(c + "/results.json");
    auto r = glip::eval::coco_evaluate(gt, res, c + "/results.json");
    auto actual = nlohmann::json::parse(glip::eval::coco_metrics_json(r));
    EXPECT_TRUE(json_matches(actual, read_json(c + "/expected.json"), kTol, c));
  }
}

TEST(EvalParity, LvisCases) {
  for (const std::string& c : eval_cases(eval_fixtures_dir() + "/lvis")) {
    SCOPED_TRACE(c);
    const auto expected = read_json(c + "/expected.json");
    glip::eval::LvisEvalOptions opt;
    // A Fixed AP case says so (or names its recall "AR@-1" as the reference does).
    opt.fixed_ap = (expected.contains("fixed_ap") && expected["fixed_ap"].get<bool>()) || expected.contains("AR@-1");
    auto gt = glip::formats::load_ground_truth(c + "/gt.json");
    auto res = glip::formats::load_results(c + "/results.json");
    auto r = glip::eval::lvis_evaluate(gt, res, opt, c + "/results.json");
    auto actual = nlohmann::json::parse(glip::eval::lvis_metrics_json(r, opt.fixed_ap));
    EXPECT_TRUE(json_matches(actual, expected, kTol, c));
  }
}

TEST(EvalParity, FlickrCases) {
  for (const std::string& c : eval_cases(eval_fixtures_dir() + "/flickr")) {
    SCOPED_TRACE(c);
    const auto expected = read_json(c + "/expected.json");
    std::string split = "test";
    for (const char* s : {"test", "val", "train"}) {
      if (fs::exists(fs::path(c) / (std::string(s) + ".txt"))) {
        split = s;
        break;
      }
    }
    glip::eval::FlickrEvaluator ev(c, split, expected.value("merge_boxes", false));
    auto r = ev.evaluate(glip::formats::load_flickr_predictions(c + "/results.json"));
    auto actual = nlohmann::json::parse(glip::eval::flickr_metrics_json(r));
    EXPECT_TRUE(json_matches(actual, expected, kTol, c));
  }
}

}  // namespace
