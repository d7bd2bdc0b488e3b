#include "glip/data/grounding_batch.h"

#include <gtest/gtest.h>

#include <opencv2/core.hpp>
#include <set>

#include "common/test_utils.h"
#include "glip/config/config.h"
#include "glip/core/error.h"
#include "glip/core/fs.h"
#include "glip/data/data_config.h"
#include "glip/data/readers.h"
#include "glip/io/image.h"
#include "glip/text/positive_map.h"
#include "glip/text/prompt.h"
#include "glip/text/text_batch.h"
#include "glip/text/tokenizer.h"

namespace glip::data {
namespace {

struct World {
  std::string dir;
  RecordSet grounding, detection;
};

World make_world(bool with_bad_image) {
  World w;
  w.dir = test::temp_dir("gb");
  for (int k = 0; k < 4; ++k) {
    cv::Mat m(40 + 8 * k, 64, CV_8UC3, cv::Scalar(20 * k, 50, 90));
    write_file_atomic(w.dir + "/" + std::to_string(k) + ".png", io::encode_png(m));
  }
  write_file_atomic(w.dir + "/bad.png", "garbage");
  write_file_atomic(w.dir + "/g.json", R"({"images": [
    {"id": 1, "file_name": "0.png", "caption": "a red star left of a blue ring"},
    {"id": 2, "file_name": "1.png", "caption": "a green heart"}],
    "annotations": [
    {"id": 1, "image_id": 1, "bbox": [2, 2, 10, 10], "tokens_positive": [[0, 10]]},
    {"id": 2, "image_id": 1, "bbox": [20, 5, 10, 10], "tokens_positive": [[19, 30]]},
    {"id": 3, "image_id": 2, "bbox": [1, 1, 30, 20], "tokens_positive": [[2, 13]]}]})");
  std::string second = with_bad_image ? "bad.png" : "3.png";
  write_file_atomic(w.dir + "/d.json",
                    R"({"images": [{"id": 1, "file_name": "2.png"}, {"id": 2, "file_name": ")" + second + R"("}],
    "categories": [{"id": 1, "name": "star"}, {"id": 2, "name": "ring"}, {"id": 3, "name": "heart"}],
    "annotations": [{"id": 1, "image_id": 1, "category_id": 2, "bbox": [1, 1, 9, 9]},
                    {"id": 2, "image_id": 2, "category_id": 3, "bbox": [3, 3, 9, 9]}]})");
  w.grounding = read_mdetr(w.dir + "/g.json", w.dir);
  w.detection = read_coco_detection(w.dir + "/d.json", w.dir);
  return w;
}

BatchBuilderOptions small_options() {
  BatchBuilderOptions o;
  o.transforms.min_size = {48, 64};
  o.transforms.max_size = 100;
  o.transforms.flip_prob = 0.5;
  o.seed = 7;
  o.max_bad_fraction = 0.5;
  return o;
}

}  // namespace

TEST(GroundingBatch, ShapesTargetsAndDeterminism) {
  auto w = make_world(false);
  auto tok = text::make_tokenizer();
  GroundingBatchBuilder b({w.grounding, w.detection}, {1.0, 1.0}, tok, small_options());
  auto batch = b.build(0, 0, 1, 3);
  ASSERT_EQ(batch.images.images.size(0), 3);
  EXPECT_EQ(batch.images.images.size(2) % 32, 0);
  EXPECT_EQ(batch.images.images.size(3) % 32, 0);
  EXPECT_EQ(batch.text.input_ids.sizes(), (at::IntArrayRef{3, 256}));
  for (size_t k = 0; k < 3; ++k) {
    const auto& t = batch.targets[k];
    ASSERT_EQ(t.boxes.size(0), t.positive_map.size(0));
    ASSERT_EQ(t.labels.size(0), t.boxes.size(0));
    ASSERT_GT(t.boxes.size(0), 0);
    // Rows are normalised over the tokens of the phrase; each token lies inside the caption's real tokens.
    at::Tensor sums = t.positive_map.sum(1);
    EXPECT_TRUE(at::allclose(sums, at::ones_like(sums), 1e-4, 1e-4));
    int64_t real = batch.text.attention_mask[static_cast<int64_t>(k)].sum().item<int64_t>();
    EXPECT_EQ(t.positive_map.narrow(1, real - 1, 256 - real + 1).abs().sum().item<float>(), 0.f);
    // Boxes lie inside the image they belong to.
    auto hw = batch.images.image_sizes[k];
    EXPECT_LE(t.boxes.select(1, 2).max().item<float>(), static_cast<float>(hw[1]));
    EXPECT_LE(t.boxes.select(1, 3).max().item<float>(), static_cast<float>(hw[0]));
  }
  // Same iteration -> identical batch; other ranks read other samples.
  auto again = b.build(0, 0, 1, 3);
  EXPECT_TRUE(again.images.images.equal(batch.images.images));
  EXPECT_EQ(again.captions, batch.captions);
  EXPECT_EQ(again.positions, batch.positions);
  auto r1 = b.build(0, 1, 2, 3);
  EXPECT_EQ(r1.positions[0], 3u);
}

TEST(GroundingBatch, DetectionSamplesGetPromptWithTheirClass) {
  auto w = make_world(false);
  GroundingBatchBuilder b({w.detection}, {1.0}, text::make_tokenizer(), small_options());
  for (int64_t it = 0; it < 4; ++it) {
    auto batch = b.build(it, 0, 1, 1);
    ASSERT_EQ(batch.targets[0].labels.size(0), 1);
    const int64_t label = batch.targets[0].labels[0].item<int64_t>();
    const std::string name = label == 2 ? "ring" : "heart";
    EXPECT_NE(batch.captions[0].find(name), std::string::npos) << batch.captions[0];
  }
}

TEST(GroundingBatch, BadImageIsReplacedAndCounted) {
  auto w = make_world(true);
  GroundingBatchBuilder b({w.detection}, {1.0}, text::make_tokenizer(), small_options());
  for (int64_t it = 0; it < 4; ++it) {
    auto batch = b.build(it, 0, 1, 1);
    EXPECT_EQ(batch.origins[0].find("bad"), std::string::npos);
  }
  EXPECT_GE(b.bad_samples().bad_count(), 1);
  // With a zero tolerance the first bad sample stops the run with a clear error.
  auto opt = small_options();
  opt.max_bad_fraction = 0.0;
  GroundingBatchBuilder strict({w.detection}, {1.0}, text::make_tokenizer(), opt);
  try {
    for (int64_t it = 0; it < 4; ++it) strict.build(it, 0, 1, 1);
    FAIL() << "expected an error";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("too many bad samples"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("bad.png"), std::string::npos) << e.what();
  }
}

TEST(GroundingBatch, DescribeBatchShowsTheTokensEachBoxIsTaught) {
  auto w = make_world(false);
  auto tok = text::make_tokenizer();
  GroundingBatchBuilder b({w.detection}, {1.0}, tok, small_options());
  const auto batch = b.build(0, 0, 1, 1);
  const std::string s = describe_batch(batch, *tok);
  EXPECT_NE(s.find("caption: " + batch.captions[0]), std::string::npos) << s;
  EXPECT_NE(s.find("0:[CLS]"), std::string::npos) << s;
  // The box's row names its class word, at the token index where the caption puts it.
  const int64_t label = batch.targets[0].labels[0].item<int64_t>();
  const std::string name = label == 2 ? "ring" : "heart";
  const auto enc = tok->encode(batch.captions[0], true);
  int64_t at = -1;
  for (size_t i = 0; i < enc.tokens.size(); ++i)
    if (enc.tokens[i] == name) at = static_cast<int64_t>(i);
  ASSERT_GE(at, 0) << batch.captions[0];
  EXPECT_NE(s.find("box 0 label " + std::to_string(label)), std::string::npos) << s;
  EXPECT_NE(s.find(std::to_string(at) + ":" + name + "(1.00)"), std::string::npos) << s;
}

}  // namespace glip::data

namespace glip::data {
namespace {
// The same two-image COCO set written with category ids starting at `first`.
RecordSet coco_with_ids(const std::string& dir, int first) {
  for (int k = 0; k < 2; ++k) {
    cv::Mat m(48, 64, CV_8UC3, cv::Scalar(30 * k, 60, 90));
    write_file_atomic(dir + "/" + std::to_string(k) + ".png", io::encode_png(m));
  }
  auto id = [&](int i) { return std::to_string(first + i); };
  const std::string path = dir + "/ids" + id(0) + ".json";
  write_file_atomic(path, R"({"images": [{"id": 1, "file_name": "0.png"}, {"id": 2, "file_name": "1.png"}],
    "categories": [{"id": )" + id(0) +
                              R"(, "name": "star"}, {"id": )" + id(1) + R"(, "name": "ring"},
                   {"id": )" + id(2) +
                              R"(, "name": "heart"}],
    "annotations": [{"id": 1, "image_id": 1, "category_id": )" +
                              id(0) + R"(, "bbox": [1, 1, 9, 9]},
                    {"id": 2, "image_id": 1, "category_id": )" +
                              id(2) + R"(, "bbox": [20, 8, 12, 9]},
                    {"id": 3, "image_id": 2, "category_id": )" +
                              id(1) + R"(, "bbox": [3, 3, 9, 9]}]})");
  return read_coco_detection(path, dir);
}
}  // namespace

// Official modulated_coco.py maps category ids to contiguous 1-based labels: a category with id 0 is a
// category like any other (0-based exports, ODVG), never background.
TEST(GroundingBatch, ZeroBasedCategoryIdsTrainLikeOneBased) {
  const std::string dir = test::temp_dir("gb_ids");
  auto tok = text::make_tokenizer();
  GroundingBatchBuilder zero({coco_with_ids(dir, 0)}, {1.0}, tok, small_options());
  GroundingBatchBuilder one({coco_with_ids(dir, 1)}, {1.0}, tok, small_options());
  for (int64_t it = 0; it < 6; ++it) {
    const auto a = zero.build(it, 0, 1, 2), b = one.build(it, 0, 1, 2);
    ASSERT_EQ(a.captions, b.captions);
    for (size_t k = 0; k < a.targets.size(); ++k) {
      EXPECT_TRUE(at::equal(a.targets[k].labels, b.targets[k].labels)) << a.targets[k].labels << b.targets[k].labels;
      EXPECT_TRUE((a.targets[k].labels > 0).all().item<bool>()) << a.targets[k].labels;
      EXPECT_TRUE(at::equal(a.targets[k].positive_map, b.targets[k].positive_map));
      EXPECT_TRUE(at::equal(a.targets[k].boxes, b.targets[k].boxes));
    }
  }
}

}  // namespace glip::data

namespace glip::data {

// Official clip_to_image(remove_empty=True): a box left empty by clipping is dropped and the rest of the image
// trains; the dropped box is counted, the sample is not bad.
TEST(GroundingBatch, EmptyBoxesAreDroppedNotTheImage) {
  const std::string dir = test::temp_dir("gb_empty_box");
  cv::Mat m(48, 64, CV_8UC3, cv::Scalar(10, 60, 90));
  write_file_atomic(dir + "/0.png", io::encode_png(m));
  write_file_atomic(dir + "/d.json", R"({"images": [{"id": 1, "file_name": "0.png"}],
    "categories": [{"id": 1, "name": "star"}, {"id": 2, "name": "ring"}],
    "annotations": [{"id": 1, "image_id": 1, "category_id": 1, "bbox": [2, 3, 10, 9]},
                    {"id": 2, "image_id": 1, "category_id": 2, "bbox": [70, 5, 8, 8]}]})");
  BatchBuilderOptions o = small_options();
  o.transforms.flip_prob = 0;
  o.prompt.control_prob = {0.0, 1.0, 0.0, 0.0};  // no negatives: the prompt names the kept box's class only
  GroundingBatchBuilder b({read_coco_detection(dir + "/d.json", dir)}, {1.0}, text::make_tokenizer(), o);
  const auto batch = b.build(0, 0, 1, 1);
  ASSERT_EQ(batch.targets[0].boxes.size(0), 1);  // the box right of the 64-pixel-wide image is gone
  EXPECT_EQ(batch.targets[0].labels[0].item<int64_t>(), 1);
  EXPECT_EQ(batch.captions[0], "star");
  EXPECT_EQ(b.bad_samples().bad_count(), 0);
  EXPECT_EQ(b.bad_samples().dropped_boxes(), 1);
}

}  // namespace glip::data

namespace glip::data {

// Issue #19: a valid image of extreme aspect ratio (5000x1) used to stop a training run at OpenCV's resize
// assertion. It trains like any other sample: resized to at least one pixel a side, padded, not counted bad.
TEST(GroundingBatch, ExtremeAspectRatioImageTrains) {
  const std::string dir = test::temp_dir("gb_thin");
  write_file_atomic(dir + "/thin.png", io::encode_png(cv::Mat(1, 5000, CV_8UC3, cv::Scalar(10, 60, 90))));
  write_file_atomic(dir + "/tall.png", io::encode_png(cv::Mat(3000, 2, CV_8UC3, cv::Scalar(90, 60, 10))));
  write_file_atomic(dir + "/d.json", R"({"images": [{"id": 1, "file_name": "thin.png"}, {"id": 2, "file_name":
    "tall.png"}], "categories": [{"id": 1, "name": "line"}],
    "annotations": [{"id": 1, "image_id": 1, "category_id": 1, "bbox": [0, 0, 4000, 1]},
                    {"id": 2, "image_id": 2, "category_id": 1, "bbox": [0, 0, 2, 2500]}]})");
  GroundingBatchBuilder b({read_coco_detection(dir + "/d.json", dir)}, {1.0}, text::make_tokenizer(), small_options());
  for (int64_t it = 0; it < 4; ++it) {
    const auto batch = b.build(it, 0, 1, 2);
    for (const auto& hw : batch.images.image_sizes) {
      EXPECT_GE(hw[0], 1);
      EXPECT_GE(hw[1], 1);
    }
  }
  EXPECT_EQ(b.bad_samples().bad_count(), 0);
}

}  // namespace glip::data

namespace glip::data {

// Issue #16 item 9: with the official caption packing (GLIP-L's 0-20 negatives) every box is taught the same
// words as without it, through the whole pipeline (flip, tokenizer, positive map); the negatives are other
// samples' captions; a batch is a function of (seed, position), so a fresh builder (a resumed run) rebuilds it.
TEST(GroundingBatch, PackedCaptionsTeachEachBoxTheSameWords) {
  const auto w = make_world(false);
  write_file_atomic(w.dir + "/g4.json", R"({"images": [
    {"id": 1, "file_name": "0.png", "caption": "a red star left of a blue ring"},
    {"id": 2, "file_name": "1.png", "caption": "a green heart"},
    {"id": 3, "file_name": "2.png", "caption": "two small squares on the right"},
    {"id": 4, "file_name": "3.png", "caption": "a yellow triangle."}],
    "annotations": [
    {"id": 1, "image_id": 1, "bbox": [2, 2, 10, 10], "tokens_positive": [[0, 10]]},
    {"id": 2, "image_id": 1, "bbox": [20, 5, 10, 10], "tokens_positive": [[19, 30]]},
    {"id": 3, "image_id": 2, "bbox": [1, 1, 30, 20], "tokens_positive": [[2, 13]]},
    {"id": 4, "image_id": 3, "bbox": [4, 4, 20, 20], "tokens_positive": [[0, 17]]},
    {"id": 5, "image_id": 4, "bbox": [3, 3, 12, 12], "tokens_positive": [[2, 17]]}]})");
  RecordSet set = read_mdetr(w.dir + "/g4.json", w.dir);
  set.pack_captions = true;
  std::set<std::string> all_captions;
  for (const auto& r : set.records) all_captions.insert(r.caption);
  auto tok = text::make_tokenizer();
  const BatchBuilderOptions plain = small_options();  // flips on: both builders draw the same transforms
  BatchBuilderOptions packing = plain;
  packing.packing.pack_random_caption_number = 20;
  packing.packing.random_pack_prob = 0.5;
  packing.packing.no_random_pack_probability = 0.4;
  GroundingBatchBuilder a({set}, {1.0}, tok, plain), b({set}, {1.0}, tok, packing);
  // Per box: the tokens its positive-map row covers, with their weights.
  const auto taught = [&](const TrainBatch& batch, size_t k) {
    const text::Encoding enc = tok->encode(batch.captions[k]);
    std::vector<std::vector<std::pair<std::string, float>>> rows;
    const at::Tensor pm = batch.targets[k].positive_map;
    for (int64_t r = 0; r < pm.size(0); ++r) {
      rows.emplace_back();
      for (int64_t t = 0; t < pm.size(1); ++t)
        if (pm[r][t].item<float>() > 0)
          rows.back().emplace_back(enc.tokens.at(static_cast<size_t>(t)), pm[r][t].item<float>());
    }
    return rows;
  };
  // A caption of the set as written, or as the flip wrote it.
  const auto of_set = [&](const std::string& piece) {
    std::vector<BoxAnnotation> none;
    for (const std::string& p : {piece, piece + "."})
      if (all_captions.count(p) || all_captions.count(swap_left_right(p, none))) return true;
    return false;
  };
  int packed = 0;
  for (int64_t it = 0; it < 12; ++it) {
    const auto x = a.build(it, 0, 1, 2), y = b.build(it, 0, 1, 2);
    EXPECT_TRUE(at::equal(x.images.images, y.images.images));
    for (size_t k = 0; k < 2; ++k) {
      SCOPED_TRACE(y.captions[k]);
      EXPECT_TRUE(at::equal(x.targets[k].boxes, y.targets[k].boxes));
      EXPECT_TRUE(at::equal(x.targets[k].labels, y.targets[k].labels));
      EXPECT_EQ(taught(x, k), taught(y, k));
      EXPECT_TRUE(of_set(x.captions[k]));            // the default options (the official ones): no packing
      if (x.captions[k] == y.captions[k]) continue;  // no negative drawn for this sample
      ++packed;
      // The packed caption is the sample's caption among others of the set, each ending with ". ".
      const std::string& c = y.captions[k];
      ASSERT_EQ(c.substr(c.size() - 1), " ");
      size_t start = 0, pieces = 0;
      bool own = false;
      while (start < c.size()) {
        const size_t end = c.find(". ", start);
        ASSERT_NE(end, std::string::npos);
        const std::string piece = c.substr(start, end - start);
        own = own || x.captions[k] == piece || x.captions[k] == piece + ".";
        EXPECT_TRUE(of_set(piece)) << piece;
        start = end + 2;
        ++pieces;
      }
      EXPECT_TRUE(own);
      EXPECT_GE(pieces, 2u);
    }
  }
  EXPECT_GT(packed, 3);
  // A fresh builder (a resumed run, other threads) packs the same positions the same way.
  GroundingBatchBuilder c({set}, {1.0}, tok, packing);
  for (const int64_t it : {9, 3}) EXPECT_EQ(c.build(it, 0, 1, 2).captions, b.build(it, 0, 1, 2).captions);
}

// Official DATASETS.DISABLE_SHUFFLE (COCO / ODinW fine-tuning): every training prompt is the evaluation prompt.
// The batch's caption and each box's positive-map row are those of the prompt glip_eval builds for the dataset
// (data::class_prompts + text::plan_category_queries), whatever the seed and iteration.
TEST(GroundingBatch, IgnoredPhrasesMarkTheirTokensThroughTheFlip) {
  auto dir = test::temp_dir("gb_ignored");
  write_file_atomic(dir + "/0.png", io::encode_png(cv::Mat(40, 64, CV_8UC3, cv::Scalar(20, 50, 90))));
  write_file_atomic(dir + "/p.jsonl",
                    R"({"image_id": 1, "image": {"path": "0.png"}, "caption": "a red star left of a blue ring", )"
                    R"("phrases": [{"span": [0, 10], "boxes": [[2, 2, 12, 12]], "scores": [0.9]}, )"
                    R"({"span": [19, 30], "boxes": [], "scores": []}]})"
                    "\n");
  auto tok = text::make_tokenizer();
  for (double flip : {0.0, 1.0}) {
    BatchBuilderOptions o = small_options();
    o.transforms.flip_prob = flip;
    GroundingBatchBuilder ignoring({read_pseudo_shards({dir + "/p.jsonl"}, PseudoFilter{0.5f, 1, true})}, {1.0}, tok,
                                   o);
    auto batch = ignoring.build(0, 0, 1, 1);
    // [CLS] a red star left|right of a blue ring [SEP]: "a blue ring" (tokens 6-8) has no target, so its tokens
    // leave the token loss; the star's tokens (1-3) keep theirs.
    EXPECT_EQ(batch.captions[0], flip > 0 ? "a red star right of a blue ring" : "a red star left of a blue ring");
    const auto& t = batch.targets[0];
    ASSERT_TRUE(t.ignored_tokens.defined());
    ASSERT_EQ(t.ignored_tokens.sizes(), (at::IntArrayRef{256}));
    at::Tensor expected = at::zeros({256}, at::kBool);
    expected.narrow(0, 6, 3).fill_(true);
    EXPECT_TRUE(at::equal(t.ignored_tokens, expected)) << at::nonzero(t.ignored_tokens);
    EXPECT_EQ(t.positive_map.narrow(1, 1, 3).gt(0).sum().item<int64_t>(), 3);
    const std::string shown = describe_batch(batch, *tok);
    EXPECT_NE(shown.find("  ignored tokens: 6:a 7:blue 8:ring\n"), std::string::npos) << shown;
    // Without the option (official): nothing is ignored.
    GroundingBatchBuilder official({read_pseudo_shards({dir + "/p.jsonl"})}, {1.0}, tok, o);
    EXPECT_FALSE(official.build(0, 0, 1, 1).targets[0].ignored_tokens.defined());
  }
}

TEST(GroundingBatch, DisableShuffleTrainsOnTheEvaluationPrompt) {
  const std::string dir = test::temp_dir("gb_disable_shuffle");
  std::string images, anns;
  const std::vector<int64_t> cat_of_box = {7, 2, 11, 7, 5, 2, 2, 11, 5, 7};  // two boxes per image
  for (int k = 0; k < 5; ++k) {
    cv::Mat m(48 + 4 * k, 64, CV_8UC3, cv::Scalar(30 * k, 60, 90));
    write_file_atomic(dir + "/" + std::to_string(k) + ".png", io::encode_png(m));
    images += str_cat(k ? "," : "", R"({"id": )", k + 1, R"(, "file_name": ")", k, R"(.png"})");
    for (int b = 0; b < 2; ++b)
      anns += str_cat(k || b ? "," : "", R"({"id": )", 2 * k + b + 1, R"(, "image_id": )", k + 1,
                      R"(, "category_id": )", cat_of_box[static_cast<size_t>(2 * k + b)], R"(, "bbox": [)", 2 + 20 * b,
                      R"(, 3, 15, 12], "area": 180, "iscrowd": 0})");
  }
  // Categories listed out of id order, one name to clean, one renamed and wrapped in words.
  write_file_atomic(dir + "/d.json", R"({"images": [)" + images + R"(], "annotations": [)" + anns +
                                         R"J(], "categories": [{"id": 7, "name": "traffic_light"},
    {"id": 2, "name": "hands"}, {"id": 11, "name": "bow_(weapon)"}, {"id": 5, "name": "dog"}]})J");
  const std::map<int64_t, std::string> categories = {
      {7, "traffic_light"}, {2, "hands"}, {11, "bow_(weapon)"}, {5, "dog"}};
  const std::vector<int64_t> file_order = {7, 2, 11, 5};  // contiguous labels 1..4
  auto tok = text::make_tokenizer();
  for (const std::string& prompts :
       {std::string(), std::string("override_category: [{id: 5, name: puppy}]\ncaption_prompt: [{prefix: \" \", "
                                   "name: hand, suffix: \" of a person\"}, {name: puppy}, {name: traffic_light}, "
                                   "{prefix: \"a \", name: bow, suffix: \"\"}]\n")}) {
    DataConfig cfg;
    config::load_string(
        cfg, "train: [{name: det, format: coco, path: d.json, image_root: ., disable_shuffle: true}]\n" + prompts);
    const RecordSet set = load_dataset(cfg.train[0], cfg, dir);
    const text::ClassPrompts parts = class_prompts(cfg, categories, "det");
    const auto queries = text::plan_category_queries(categories, *tok, -1, 256, parts.empty() ? nullptr : &parts);
    ASSERT_EQ(queries.size(), 1u);
    const text::Prompt& eval_prompt = queries[0].prompt;
    EXPECT_EQ(eval_prompt.labels, (std::vector<int64_t>{2, 5, 7, 11}));  // every category, ascending id
    if (prompts.empty()) EXPECT_EQ(eval_prompt.text, "hands. dog. traffic light. bow ");
    else EXPECT_EQ(eval_prompt.text, " hand of a person. puppy. traffic light. a bow");
    std::vector<text::Encoding> encodings;
    text::encode_batch(*tok, {eval_prompt.text}, 256, &encodings);
    std::map<int64_t, at::Tensor> row_of;  // category id -> its positive-map row in the evaluation prompt
    for (size_t i = 0; i < eval_prompt.labels.size(); ++i)
      row_of[eval_prompt.labels[i]] = text::create_positive_map(encodings[0], {{eval_prompt.spans[i]}}, true, 256)[0];
    for (const uint64_t seed : {0u, 3u, 11u}) {
      GroundingBatchBuilder b({set}, {1.0}, tok, batch_options(cfg, seed, 256));
      for (int64_t it = 0; it < 5; ++it) {
        const TrainBatch batch = b.build(it, 0, 1, 2);
        for (size_t k = 0; k < batch.captions.size(); ++k) {
          EXPECT_EQ(batch.captions[k], eval_prompt.text) << "seed " << seed << " iteration " << it;
          const auto& t = batch.targets[k];
          ASSERT_EQ(t.labels.size(0), 2) << "every box keeps its target";
          for (int64_t r = 0; r < t.labels.size(0); ++r) {
            const int64_t id = file_order.at(static_cast<size_t>(t.labels[r].item<int64_t>() - 1));
            EXPECT_TRUE(at::equal(t.positive_map[r], row_of.at(id))) << "category " << id << ", seed " << seed;
          }
        }
      }
    }
  }
}

}  // namespace glip::data
