// The model-free parts of model evaluation: results conversion, the Flickr query reader.
#include "glip/inference/batch_detect.h"
#include "glip/inference/flickr_grounding.h"

#include <gtest/gtest.h>

#include <fstream>
#include <functional>
#include <set>

#include "common/test_utils.h"
#include "evaluation/eval_builders.h"
#include "glip/core/error.h"

namespace glip::inference {
namespace {

TEST(ToResults, XywhConventionsAndResultsJsonRoundTrip) {
  std::vector<EvalImage> images = {{7, {"a.jpg", ""}}, {9, {"b.jpg", ""}}};
  std::vector<Detections> dets(2);
  dets[0] = {at::tensor({10.f, 20.f, 30.f, 60.f}).view({1, 4}), at::tensor({0.75f}), at::tensor({3}, at::kLong)};
  dets[1] = {at::zeros({0, 4}), at::zeros({0}), at::zeros({0}, at::kLong)};
  auto coco = to_results(images, dets, true);
  ASSERT_EQ(coco.size(), 1u);
  EXPECT_EQ(coco[0].image_id, 7);
  EXPECT_EQ(coco[0].category_id, 3);
  EXPECT_DOUBLE_EQ(coco[0].bbox.w, 21.0);
  EXPECT_DOUBLE_EQ(coco[0].bbox.h, 41.0);
  EXPECT_DOUBLE_EQ(coco[0].score, 0.75);
  auto lvis = to_results(images, dets, false);
  EXPECT_DOUBLE_EQ(lvis[0].bbox.w, 20.0);
  const auto back = formats::parse_results(results_json(coco), "mem.json");
  ASSERT_EQ(back.size(), 1u);
  EXPECT_DOUBLE_EQ(back[0].bbox.x, 10.0);
  EXPECT_DOUBLE_EQ(back[0].bbox.h, 41.0);
  EXPECT_DOUBLE_EQ(back[0].score, 0.75);
  EXPECT_EQ(results_json({}), "[]\n");
}

TEST(ReadFlickrQueries, SpansBecomePhraseLabels) {
  const std::string dir = test::temp_dir("flickr_q");
  std::ofstream(dir + "/m.json") << R"({"images": [
    {"id": 0, "file_name": "1.jpg", "caption": "a red star and a blue ring .", "sentence_id": 2,
     "original_img_id": 1000, "tokens_positive_eval": [[[0, 10]], [[15, 26], [0, 1]]]}]})";
  const auto qs = read_flickr_queries(dir + "/m.json", "imgs");
  ASSERT_EQ(qs.size(), 1u);
  EXPECT_EQ(qs[0].source.path, "imgs/1.jpg");
  EXPECT_EQ(qs[0].image_id_json, "1000");
  EXPECT_EQ(qs[0].sentence_id_json, "2");
  EXPECT_EQ(qs[0].num_phrases, 2);
  EXPECT_EQ(qs[0].prompt.labels, (std::vector<int64_t>{1, 2, 2}));
  EXPECT_EQ(qs[0].prompt.spans[1], (text::Offset{15, 26}));
  std::ofstream(dir + "/bad.json") << R"({"images": [{"id": 4, "file_name": "1.jpg", "caption": "x"}]})";
  const std::string err = glip::test::input_error_of([&] { read_flickr_queries(dir + "/bad.json", ""); });
  EXPECT_NE(err.find("bad.json"), std::string::npos) << err;
  EXPECT_NE(err.find("tokens_positive_eval"), std::string::npos) << err;
}

}  // namespace
}  // namespace glip::inference
