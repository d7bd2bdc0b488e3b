#include "glip/data/data_config.h"

#include <gtest/gtest.h>

#include "common/test_utils.h"
#include "glip/config/config.h"
#include "glip/core/error.h"
#include "glip/core/fs.h"

namespace glip::data {

TEST(DataConfig, LoadsDatasetListAndResolvesAgainstDataRoot) {
  auto root = test::temp_dir("dcfg");
  write_file_atomic(root + "/ann/g.json", R"({"images": [{"id": 1, "file_name": "a.png", "caption": "a star"}],
    "annotations": [{"id": 1, "image_id": 1, "bbox": [0, 0, 2, 2], "tokens_positive": [[0, 6]]}]})");
  DataConfig cfg;
  config::load_string(cfg, R"(
train:
  - {name: gold, format: mdetr, path: ann/g.json, image_root: images, weight: 2}
min_size_train: [128, 160]
)");
  ASSERT_EQ(cfg.train.size(), 1u);
  EXPECT_EQ(cfg.train[0].weight, 2.0);
  auto set = load_dataset(cfg.train[0], cfg, root);
  EXPECT_EQ(set.name, "gold");
  ASSERT_EQ(set.records.size(), 1u);
  EXPECT_EQ(set.records[0].image.path, root + "/images/a.png");
  auto opt = batch_options(cfg, 3, 256);
  EXPECT_EQ(opt.transforms.min_size, (std::vector<int64_t>{128, 160}));
  EXPECT_EQ(opt.prompt.max_seq_length, 254);
}

TEST(DataConfig, ErrorsNameKeysAndFiles) {
  DataConfig cfg;
  try {
    config::load_string(cfg, "train: [{name: x, format: tsv, path: a.json}]\nflip_prob: 2\n");
    FAIL() << "expected an error";
  } catch (const InputError& e) {
    std::string m = e.what();
    EXPECT_NE(m.find("train.0.format"), std::string::npos) << m;
    EXPECT_NE(m.find("flip_prob"), std::string::npos) << m;
  }
  DatasetConfig ds;
  ds.name = "web";
  ds.format = "webdataset";
  ds.path = "shards/000000.tar";
  try {
    load_dataset(ds, cfg, "/nonexistent-root");
    FAIL() << "expected an error";
  } catch (const InputError& e) {
    std::string m = e.what();
    EXPECT_NE(m.find("dataset 'web': file '/nonexistent-root/shards/000000.tar' does not exist"), std::string::npos)
        << m;
  }
}

TEST(DataConfig, ShardPatternsExpandSorted) {
  auto root = test::temp_dir("dcfg_glob");
  const char* line = R"({"image_id": 1, "image": {"path": "a.jpg"}, "width": 9, "height": 9, "caption": "a star", )"
                     R"("phrases": [{"span": [0, 6], "text": "a star", "boxes": [[1, 1, 5, 5]], "scores": [0.9]}]})";
  write_file_atomic(root + "/pseudo/web-000001.jsonl", std::string(line) + "\n");
  write_file_atomic(root + "/pseudo/web-000000.jsonl", std::string(line) + "\n" + line + "\n");
  write_file_atomic(root + "/pseudo/notes.txt", "not a shard");
  DatasetConfig ds;
  ds.name = "pseudo";
  ds.format = "pseudo";
  ds.path = "pseudo/web-*.jsonl";
  auto set = load_dataset(ds, DataConfig{}, root);
  ASSERT_EQ(set.records.size(), 3u);
  EXPECT_NE(set.records[0].origin.find("web-000000.jsonl"), std::string::npos) << set.records[0].origin;
  EXPECT_NE(set.records[2].origin.find("web-000001.jsonl"), std::string::npos) << set.records[2].origin;
  ds.path = "pseudo/shard-*.jsonl";
  try {
    load_dataset(ds, DataConfig{}, root);
    FAIL() << "expected an error";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("no file matches '" + root + "/pseudo/shard-*.jsonl'"), std::string::npos)
        << e.what();
  }
}

}  // namespace glip::data
