#include "glip/inference/eval_config.h"

#include <gtest/gtest.h>

#include <functional>

#include "evaluation/eval_builders.h"
#include "glip/config/config.h"
#include "glip/core/error.h"

namespace {

struct Root {
  glip::inference::EvalConfig eval;
  void visit(glip::config::Visitor& v) { v.section("eval", eval, "eval"); }
};

Root load(const std::string& yaml) {
  Root r;
  glip::config::load_string(r, yaml, {}, "test.yaml");
  return r;
}

const char* kYaml = R"(
eval:
  datasets:
    - {name: coco_val, protocol: coco, annotation: coco/instances.json, image_root: coco/images}
    - {name: lvis_val, protocol: lvis_fixed, annotation: lvis/lvis_v1_val.json, image_root: lvis/images}
    - {name: flickr_test, protocol: flickr, annotation: flickr/final.json, flickr_root: flickr, split: test,
       merge_boxes: true, image_root: flickr/images}
    - {name: many, protocol: odinw, members: [coco_val]}
)";

TEST(EvalConfig, LoadsDatasetsAndFindsThemByName) {
  Root r = load(kYaml);
  ASSERT_EQ(r.eval.datasets.size(), 4u);
  EXPECT_NO_THROW(glip::inference::validate(r.eval));
  const auto& f = glip::inference::find_dataset(r.eval, "flickr_test");
  EXPECT_EQ(f.protocol, "flickr");
  EXPECT_TRUE(f.merge_boxes);
  EXPECT_EQ(glip::inference::find_dataset(r.eval, "many").members, std::vector<std::string>{"coco_val"});
  const std::string err = glip::test::input_error_of([&] { glip::inference::find_dataset(r.eval, "cocoval"); });
  EXPECT_NE(err.find("unknown dataset 'cocoval'"), std::string::npos) << err;
  EXPECT_NE(err.find("coco_val, lvis_val, flickr_test, many"), std::string::npos) << err;
}

TEST(EvalConfig, ChunkSizeDefaultsFollowTheProtocol) {
  Root r = load(kYaml);
  EXPECT_EQ(glip::inference::effective_chunk_size(r.eval.datasets[0], -1), -1);
  EXPECT_EQ(glip::inference::effective_chunk_size(r.eval.datasets[0], 10), 10);
  EXPECT_EQ(glip::inference::effective_chunk_size(r.eval.datasets[1], -1), 40);
  r.eval.datasets[1].chunk_size = 8;
  EXPECT_EQ(glip::inference::effective_chunk_size(r.eval.datasets[1], -1), 8);
}

// Official LVIS evaluation: MODEL.ATSS.DETECTIONS_PER_IMG 300 per image and prompt chunk; others keep the model's.
TEST(EvalConfig, DetectionsPerImageDefaultsFollowTheProtocol) {
  Root r = load(kYaml);
  EXPECT_EQ(r.eval.datasets[1].protocol.rfind("lvis", 0), 0u);
  EXPECT_EQ(glip::inference::effective_detections_per_image(r.eval.datasets[0], 100), 100);
  EXPECT_EQ(glip::inference::effective_detections_per_image(r.eval.datasets[1], 100), 300);
  r.eval.datasets[0].detections_per_image = 7;
  EXPECT_EQ(glip::inference::effective_detections_per_image(r.eval.datasets[0], 100), 7);
}

TEST(EvalConfig, ValidationListsEveryProblem) {
  Root r = load(R"(
eval:
  datasets:
    - {name: a, protocol: coco}
    - {name: a, protocol: flickr, annotation: x.json}
    - {name: o, protocol: odinw, members: [a, nope]}
    - {name: l, protocol: lvis, annotation: l.json}
    - {name: o2, protocol: odinw, members: [l]}
)");
  const std::string err = glip::test::input_error_of([&] { glip::inference::validate(r.eval); });
  EXPECT_NE(err.find("eval.datasets.0.annotation is empty"), std::string::npos) << err;
  EXPECT_NE(err.find("eval.datasets.1.name 'a' is used twice"), std::string::npos) << err;
  EXPECT_NE(err.find("eval.datasets.1.flickr_root is empty"), std::string::npos) << err;
  EXPECT_NE(err.find("no dataset named 'nope'"), std::string::npos) << err;
  EXPECT_NE(err.find("'l' has protocol lvis, expected coco"), std::string::npos) << err;
}

TEST(EvalConfig, UnknownProtocolIsRejectedByTheLoader) {
  const std::string err =
      glip::test::input_error_of([] { load("eval: {datasets: [{name: a, protocol: voc, annotation: a.json}]}"); });
  EXPECT_NE(err.find("voc"), std::string::npos) << err;
}

}  // namespace
