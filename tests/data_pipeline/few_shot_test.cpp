// data.train[].few_shot / shuffle_seed: the official DATASETS.FEW_SHOT / SHUFFLE_SEED image selection.
#include "glip/data/few_shot.h"

#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <numeric>
#include <random>
#include <set>

#include "common/test_utils.h"
#include "glip/config/config.h"
#include "glip/core/error.h"
#include "glip/core/fs.h"
#include "glip/data/data_config.h"
#include "glip/formats/detection_json.h"

namespace glip::data {
namespace {

// The world of the expected values below: image ids 1..40 written to the file in reverse order; image i carries
// category (7i mod 5) + 1, also (3i mod 4) + 1 when 3 | i, only category 6 when 11 | i; image 13 only boxes of
// width or height <= 1 (not a valid image), image 17 none, image 5 also a crowd annotation of category 6.
std::string world_json() {
  std::string images, anns;
  int64_t next = 1;
  const auto ann = [&](int64_t image, int64_t cat, double w, double h, int crowd) {
    if (!anns.empty()) anns += ",";
    anns += str_cat(R"({"id": )", next++, R"(, "image_id": )", image, R"(, "category_id": )", cat,
                    R"(, "bbox": [1, 1, )", w, ", ", h, R"(], "area": 100, "iscrowd": )", crowd, "}");
  };
  for (int64_t i = 40; i >= 1; --i) {
    if (!images.empty()) images += ",";
    images += str_cat(R"({"id": )", i, R"(, "file_name": ")", i, R"(.png", "width": 32, "height": 32})");
    if (i == 17) continue;
    if (i == 13) {
      ann(i, 1, 1, 10, 0);
      ann(i, 2, 10, 0.5, 0);
      continue;
    }
    if (i % 11 == 0) {
      ann(i, 6, 10, 10, 0);
      continue;
    }
    ann(i, (i * 7) % 5 + 1, 10, 10, 0);
    if (i % 3 == 0) ann(i, (i * 3) % 4 + 1, 10, 10, 0);
    if (i == 5) ann(i, 6, 10, 10, 1);
  }
  std::string cats;
  for (int c = 1; c <= 6; ++c) cats += str_cat(c > 1 ? "," : "", R"({"id": )", c, R"(, "name": "class)", c, "\"}");
  return R"({"images": [)" + images + R"(], "annotations": [)" + anns + R"(], "categories": [)" + cats + "]}";
}

std::vector<int64_t> kept_ids(const RecordSet& set) {
  std::vector<int64_t> ids;
  for (const auto& r : set.records) ids.push_back(r.image_id);
  std::sort(ids.begin(), ids.end());
  return ids;
}

std::vector<int64_t> sorted(std::vector<int64_t> v) {
  std::sort(v.begin(), v.end());
  return v;
}

RecordSet load(const std::string& root, const std::string& dataset_yaml) {
  DataConfig cfg;
  config::load_string(cfg, "train: [" + dataset_yaml + "]\n");
  return load_dataset(cfg.train.at(0), cfg, root);
}

std::string error_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const InputError& e) {
    return e.what();
  }
  return "no error";
}

}  // namespace

TEST(FewShot, PythonShuffleIsCPythonsRandomShuffle) {
  // python3 -c "import random; x = list(range(N)); random.Random(SEED).shuffle(x); print(x)"
  const std::map<uint64_t, std::vector<int64_t>> ten = {{1, {6, 8, 9, 7, 5, 3, 0, 4, 1, 2}},
                                                        {3, {1, 5, 6, 0, 9, 4, 7, 2, 8, 3}},
                                                        {30, {3, 6, 7, 2, 1, 5, 9, 0, 4, 8}},
                                                        {300, {1, 6, 4, 7, 2, 3, 0, 8, 5, 9}},
                                                        {4294967301ull, {5, 3, 6, 1, 9, 0, 8, 4, 7, 2}}};
  for (const auto& [seed, expected] : ten) {
    std::vector<int64_t> x{0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
    python_shuffle(x, seed);
    EXPECT_EQ(x, expected) << "seed " << seed;
  }
  std::vector<int64_t> big(1000);
  std::iota(big.begin(), big.end(), 0);
  python_shuffle(big, 3);
  EXPECT_EQ(std::vector<int64_t>(big.begin(), big.begin() + 12),
            (std::vector<int64_t>{316, 974, 262, 342, 905, 932, 567, 511, 872, 143, 176, 955}));
  std::vector<int64_t> seven{0, 1, 2, 3, 4, 5, 6};
  python_shuffle(seven, (uint64_t{1} << 40) + 7);  // a seed of two 32-bit words
  EXPECT_EQ(seven, (std::vector<int64_t>{2, 0, 1, 3, 6, 5, 4}));
}

TEST(FewShot, SelectsTheImagesOfTheOfficialRule) {
  // Expected: the official COCODataset few-shot loop (coco.py) run by Python on the same world.
  auto root = test::temp_dir("few_shot");
  write_file_atomic(root + "/i.json", world_json());
  const auto with = [&](int k, int seed) {
    return load(root, str_cat("{name: w, format: coco, path: i.json, few_shot: ", k, ", shuffle_seed: ", seed, "}"));
  };
  // Seed 0 walks the ids in ascending order (the file lists them backwards); the crowd box of image 5 counts for
  // category 6 (getAnnIds(iscrowd=None)), so image 11 is not needed; 13 (tiny boxes) and 17 (none) never qualify.
  EXPECT_EQ(kept_ids(with(1, 0)), (std::vector<int64_t>{1, 2, 3, 4, 5}));
  EXPECT_EQ(kept_ids(with(2, 0)), (std::vector<int64_t>{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}));
  EXPECT_EQ(kept_ids(with(2, 3)), sorted({6, 10, 22, 4, 21, 11, 3, 2, 12, 27}));
  EXPECT_EQ(kept_ids(with(1, 30)), sorted({20, 26, 9, 39, 32, 11}));
  EXPECT_EQ(kept_ids(with(3, 300)), sorted({31, 28, 24, 29, 18, 7, 36, 38, 33, 14, 20, 27, 2, 22, 5}));
  // In walk order: the official self.ids after the loop.
  const std::vector<FewShotImage> view = few_shot_images(formats::load_ground_truth(root + "/i.json"));
  EXPECT_EQ(select_few_shot(view, 2, 3), (std::vector<int64_t>{6, 10, 22, 4, 21, 11, 3, 2, 12, 27}));
  EXPECT_EQ(select_few_shot(view, 1, 30), (std::vector<int64_t>{20, 26, 9, 39, 32, 11}));
  EXPECT_EQ(load(root, "{name: w, format: coco, path: i.json}").records.size(), 40u);  // no few_shot: all
  // Records keep their file order and their boxes.
  const RecordSet s = with(2, 3);
  EXPECT_EQ(s.records.front().image_id, 27);
  EXPECT_EQ(s.categories.size(), 6u);
}

TEST(FewShot, EveryCategoryGetsItsShotsDeterministicallyPerSeed) {
  // A random world: 300 images with 1-4 boxes of 12 categories drawn with skewed frequencies.
  auto root = test::temp_dir("few_shot_rand");
  std::mt19937_64 rng(5);
  std::string images, anns;
  std::map<int64_t, int64_t> images_with;  // category -> images that have it
  int64_t next = 1;
  for (int64_t i = 1; i <= 300; ++i) {
    images += str_cat(i > 1 ? "," : "", R"({"id": )", i, R"(, "file_name": ")", i, R"(.png"})");
    std::set<int64_t> cats;
    for (uint64_t b = 0, n = 1 + rng() % 4; b < n; ++b) {
      const int64_t c = 1 + static_cast<int64_t>(std::min(rng() % 12, rng() % 12));  // low ids are common
      cats.insert(c);
      anns += str_cat(next > 1 ? "," : "", R"({"id": )", next, R"(, "image_id": )", i, R"(, "category_id": )", c,
                      R"(, "bbox": [0, 0, 5, 5], "area": 25, "iscrowd": 0})");
      ++next;
    }
    for (int64_t c : cats) ++images_with[c];
  }
  std::string cats;
  for (int c = 1; c <= 12; ++c) cats += str_cat(c > 1 ? "," : "", R"({"id": )", c, R"(, "name": "c)", c, "\"}");
  write_file_atomic(root + "/r.json", R"({"images": [)" + images + R"(], "annotations": [)" + anns +
                                          R"(], "categories": [)" + cats + "]}");
  for (const int k : {1, 3, 5, 10}) {
    std::set<std::vector<int64_t>> subsets;
    for (const int seed : {0, 1, 3, 30, 300}) {
      const std::string yaml =
          str_cat("{name: r, format: coco, path: r.json, few_shot: ", k, ", shuffle_seed: ", seed, "}");
      const RecordSet s = load(root, yaml);
      std::map<int64_t, int64_t> instances, shots;
      for (const auto& r : s.records) {
        std::set<int64_t> in;
        for (const auto& b : r.boxes) ++instances[b.category_id], in.insert(b.category_id);
        for (int64_t c : in) ++shots[c];
      }
      for (const auto& [c, available] : images_with) {
        EXPECT_GE(shots[c], std::min<int64_t>(k, available)) << "k " << k << " seed " << seed << " category " << c;
        EXPECT_GE(instances[c], std::min<int64_t>(k, available)) << "k " << k << " seed " << seed << " category " << c;
      }
      EXPECT_EQ(kept_ids(load(root, yaml)), kept_ids(s)) << "not deterministic, seed " << seed;
      subsets.insert(kept_ids(s));
    }
    EXPECT_EQ(subsets.size(), 5u) << "k " << k << ": seeds should select different subsets";
  }
}

TEST(FewShot, InvalidSettingsAreRefused) {
  auto root = test::temp_dir("few_shot_err");
  write_file_atomic(root + "/i.json", world_json());
  write_file_atomic(root + "/g.json", R"({"images": [{"id": 1, "file_name": "a.png", "caption": "a star"}],
    "annotations": [{"id": 1, "image_id": 1, "bbox": [0, 0, 2, 2], "tokens_positive": [[0, 6]]}]})");
  std::string m = error_of([&] { load(root, "{name: w, format: coco, path: i.json, few_shot: -1}"); });
  EXPECT_NE(m.find("train.0.few_shot"), std::string::npos) << m;
  m = error_of([&] { load(root, "{name: w, format: coco, path: i.json, few_shot: 2.5}"); });
  EXPECT_NE(m.find("train.0.few_shot"), std::string::npos) << m;
  m = error_of([&] { select_few_shot({}, 0, 0); });
  EXPECT_NE(m.find("few_shot must be a positive number"), std::string::npos) << m;
  m = error_of([&] { load(root, "{name: w, format: coco, path: i.json, shuffle_seed: 3}"); });
  EXPECT_NE(m.find("dataset 'w': shuffle_seed 3 without few_shot"), std::string::npos) << m;
  m = error_of([&] { load(root, "{name: g, format: mdetr, path: g.json, few_shot: 1}"); });
  EXPECT_NE(m.find("dataset 'g'"), std::string::npos) << m;
  EXPECT_NE(m.find("few_shot applies to detection datasets"), std::string::npos) << m;
  m = error_of([&] { load(root, "{name: g, format: mdetr, path: g.json, disable_shuffle: true}"); });
  EXPECT_NE(m.find("disable_shuffle applies to detection datasets"), std::string::npos) << m;
  m = error_of([&] { select_few_shot({{1, {1}, true}, {1, {2}, true}}, 1, 0); });
  EXPECT_NE(m.find("duplicate image id 1"), std::string::npos) << m;
}

}  // namespace glip::data
