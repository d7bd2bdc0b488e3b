// infer_images and its inputs: image lists (folder, list file, COCO JSON with its ids), category files, and the
// output files of a run with a tiny random model (results.json carries the images' ids).
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>
#include <torch/torch.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "common/test_utils.h"
#include "glip/core/error.h"
#include "glip/core/fs.h"
#include "glip/inference/infer_run.h"
#include "glip/io/image.h"

namespace glip::inference {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

void write_image(const std::string& path, int seed) {
  cv::Mat m(48, 64, CV_8UC3);
  cv::randu(m, cv::Scalar::all(0), cv::Scalar::all(255 - seed));
  write_file_atomic(path, io::encode_jpeg(m));
}

/** A folder with a.jpg, b.jpg and a COCO-format coco.json naming them with ids 17 and 4. */
std::string coco_world(const std::string& tag) {
  const std::string dir = test::temp_dir(tag);
  fs::create_directories(dir + "/img");
  write_image(dir + "/img/a.jpg", 1);
  write_image(dir + "/img/b.jpg", 2);
  std::ofstream(dir + "/coco.json") << R"({"images": [{"id": 17, "file_name": "img/a.jpg"},
    {"id": 4, "file_name": "img/b.jpg"}], "categories": [{"id": 3, "name": "star"}, {"id": 8, "name": "ring"}]})";
  return dir;
}

TEST(InferInputs, ACocoImageListKeepsItsIdsAndResolvesFileNamesAgainstItsFolderOrTheRoot) {
  const std::string dir = coco_world("infer_inputs_coco");
  const auto imgs = list_images(dir + "/coco.json");
  ASSERT_EQ(imgs.size(), 2u);
  EXPECT_EQ(imgs[0].id, 17);
  EXPECT_EQ(imgs[1].id, 4);
  EXPECT_EQ(fs::path(imgs[1].path), fs::path(dir) / "img/b.jpg");
  std::ofstream(dir + "/img/flat.json") << R"({"images": [{"id": 5, "file_name": "a.jpg"}]})";
  const auto rooted = list_images(dir + "/img/flat.json", dir + "/img");
  ASSERT_EQ(rooted.size(), 1u);
  EXPECT_EQ(rooted[0].id, 5);
  EXPECT_THROW(list_images(dir + "/img/flat.json", dir), InputError);  // dir/a.jpg does not exist
}

TEST(InferInputs, AFolderOrListFileNumbersItsImagesByPosition) {
  const std::string dir = coco_world("infer_inputs_list");
  const auto folder = list_images(dir + "/img");
  ASSERT_EQ(folder.size(), 2u);
  EXPECT_EQ(folder[0].id, 1);
  EXPECT_EQ(folder[1].id, 2);
  EXPECT_EQ(fs::path(folder[0].path).filename(), "a.jpg");
  std::ofstream(dir + "/list.txt") << "# two\nimg/b.jpg\n\nimg/a.jpg\n";
  const auto list = list_images(dir + "/list.txt");
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0].id, 1);
  EXPECT_EQ(fs::path(list[0].path).filename(), "b.jpg");
}

TEST(InferInputs, BadCocoImageListsNameTheFileAndTheProblem) {
  const std::string dir = coco_world("infer_inputs_bad");
  const auto expect_error = [&](const std::string& text, const std::string& needle) {
    std::ofstream(dir + "/bad.json") << text;
    try {
      list_images(dir + "/bad.json");
      ADD_FAILURE() << "no error for " << text;
    } catch (const InputError& e) {
      EXPECT_NE(std::string(e.what()).find("bad.json"), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
  };
  expect_error(R"({"categories": []})", "\"images\" list");
  expect_error(R"({"images": [{"id": "x", "file_name": "img/a.jpg"}]})", "images[0]");
  expect_error(R"({"images": [{"id": 1, "file_name": "img/a.jpg"}, {"id": 1, "file_name": "img/b.jpg"}]})",
               "duplicate image id 1");
  expect_error(R"({"images": [{"id": 1, "file_name": "img/none.jpg"}]})", "none.jpg");
  expect_error("{not json", "bad.json");
}

TEST(InferInputs, PromptPhrasesAndCategoryFiles) {
  EXPECT_EQ(parse_prompt_phrases(" red star. blue ring ."),
            (std::map<int64_t, std::string>{{1, "red star"}, {2, "blue ring"}}));
  EXPECT_THROW(parse_prompt_phrases(" . "), InputError);
  const std::string dir = coco_world("infer_inputs_cats");
  EXPECT_EQ(read_categories_file(dir + "/coco.json"), (std::map<int64_t, std::string>{{3, "star"}, {8, "ring"}}));
  std::ofstream(dir + "/c.txt") << "# shapes\ncircle\n\n square \n";
  EXPECT_EQ(read_categories_file(dir + "/c.txt"), (std::map<int64_t, std::string>{{1, "circle"}, {2, "square"}}));
  EXPECT_THROW(read_categories_file(dir + "/none.txt"), InputError);
}

TEST(InferImages, WritesTheImagesIdsIntoResultsAndOneLinePerImage) {
  const std::string dir = coco_world("infer_images_run");
  torch::manual_seed(3);
  auto mopts = modeling::GlipModelOptions::tiny(true);
  mopts.postprocess.pre_nms_thresh = 0.0;  // a random model scores ~0.01: keep candidates
  PredictorOptions p;
  p.min_size = 48;
  p.max_size = 64;
  p.max_query_len = 32;
  p.score_threshold = 0.0;
  const Predictor pred(modeling::GlipModel(mopts), text::make_tokenizer(), p);
  InferRunOptions o;
  o.images = list_images(dir + "/coco.json");
  o.vocabulary = read_categories_file(dir + "/coco.json");
  o.score_threshold = 0.0;
  o.batch_size = 2;
  o.out_dir = dir + "/out";
  o.show_progress = false;
  std::vector<std::string> lines;
  o.on_image = [&](const std::string& l) { lines.push_back(l); };
  const auto s = infer_images(pred, o);
  EXPECT_EQ(s.images, 2);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(read_file(o.out_dir + "/detections.jsonl"), lines[0] + "\n" + lines[1] + "\n");
  const json results = json::parse(read_file(o.out_dir + "/results.json"));
  ASSERT_FALSE(results.empty());
  EXPECT_EQ(static_cast<int64_t>(results.size()), s.detections);
  std::set<int64_t> ids, cats;
  for (const auto& r : results) ids.insert(r["image_id"].get<int64_t>()), cats.insert(r["category_id"].get<int64_t>());
  EXPECT_EQ(ids, (std::set<int64_t>{4, 17}));
  for (const int64_t c : cats) EXPECT_TRUE(c == 3 || c == 8) << c;
  const json images = json::parse(read_file(o.out_dir + "/images.json"));
  EXPECT_EQ(images["images"][0]["id"], 17);
  EXPECT_EQ(images["images"][1]["id"], 4);
  EXPECT_EQ(images["images"][1]["width"], 64);
  EXPECT_TRUE(fs::exists(o.out_dir + "/vis/a.jpg"));
  EXPECT_TRUE(fs::exists(o.out_dir + "/vis/b.jpg"));
  // Each line lists that image's detections (at least the threshold, by descending score).
  const json first = json::parse(lines[0]);
  EXPECT_EQ(fs::path(first["image"].get<std::string>()).filename(), "a.jpg");
  double prev = 2.0;
  for (const auto& d : first["detections"]) {
    EXPECT_LE(d["score"].get<double>(), prev);
    prev = d["score"].get<double>();
  }
  o.score_threshold = 1.5;
  EXPECT_THROW(infer_images(pred, o), InputError);
}

}  // namespace
}  // namespace glip::inference
