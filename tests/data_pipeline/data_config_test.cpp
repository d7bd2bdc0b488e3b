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

namespace glip::data {

TEST(DataConfig, CategoryOverrideAndCaptionPromptApplyToDetectionSets) {
  auto root = test::temp_dir("dcfg_override");
  write_file_atomic(root + "/i.json", R"J({"images": [{"id": 1, "file_name": "a.png", "width": 8, "height": 8}],
    "annotations": [{"id": 1, "image_id": 1, "category_id": 7, "bbox": [0, 0, 2, 2], "area": 4, "iscrowd": 0}],
    "categories": [{"id": 7, "name": "hands"}, {"id": 2, "name": "ball_(toy)"}]})J");
  DataConfig cfg;
  config::load_string(cfg, R"(
train: [{name: ego, format: coco, path: i.json}]
override_category: [{id: 2, name: toy ball, supercategory: things}]
caption_prompt: [{prefix: "a ", name: small ball, suffix: ""}, {prefix: " ", name: hand, suffix: " of a person"}]
)");
  // caption_prompt entries follow ascending ids (2, then 7); its names replace override_category's.
  const text::ClassPrompts p = class_prompts(cfg, {{7, "hands"}, {2, "ball_(toy)"}}, "set");
  ASSERT_EQ(p.size(), 2u);
  EXPECT_EQ(p.at(2).prefix, "a ");
  EXPECT_EQ(p.at(2).name, "small ball");
  EXPECT_EQ(p.at(7).suffix, " of a person");
  const RecordSet set = load_dataset(cfg.train[0], cfg, root);
  ASSERT_EQ(set.categories.size(), 2u);
  for (const auto& c : set.categories) EXPECT_EQ(c.name, c.id == 2 ? "small ball" : "hand");
  EXPECT_EQ(set.prompt_affixes.at(7), (std::pair<std::string, std::string>{" ", " of a person"}));
  // override_category alone renames by id and leaves the others as they are.
  DataConfig only;
  config::load_string(only, "override_category: [{id: 7, name: hand}]\n");
  const auto q = class_prompts(only, {{7, "hands"}, {2, "ball"}}, "set");
  EXPECT_EQ(q.at(7).name, "hand");
  EXPECT_EQ(q.at(2).name, "ball");
  EXPECT_EQ(q.at(2).prefix, "");
  // Neither key set: nothing changes.
  EXPECT_TRUE(class_prompts(DataConfig{}, {{7, "hands"}}, "set").empty());
}

TEST(DataConfig, BadPromptOverridesNameTheKey) {
  const std::map<int64_t, std::string> cats = {{1, "cat"}, {2, "dog"}};
  const auto error = [&](const std::string& yaml) -> std::string {
    try {
      DataConfig cfg;
      config::load_string(cfg, yaml);
      class_prompts(cfg, cats, "dataset 'pets'");
    } catch (const InputError& e) {
      return e.what();
    }
    return "no error";
  };
  std::string m = error("override_category: [{id: 2, name: puppy}, {id: 5, name: bird}]\n");
  EXPECT_NE(m.find("data.override_category.1'"), std::string::npos) << m;
  EXPECT_NE(m.find("category id 5"), std::string::npos) << m;
  EXPECT_NE(m.find("dataset 'pets'"), std::string::npos) << m;
  m = error("override_category: [{id: 2, name: a}, {id: 2, name: b}]\n");
  EXPECT_NE(m.find("overridden twice"), std::string::npos) << m;
  m = error("caption_prompt: [{prefix: a, name: cat, suffix: b}]\n");
  EXPECT_NE(m.find("'data.caption_prompt'"), std::string::npos) << m;
  EXPECT_NE(m.find("1 entries but dataset 'pets' has 2 categories"), std::string::npos) << m;
  m = error("caption_prompt: [{name: cat}, {prefix: x, suffix: y}]\n");
  EXPECT_NE(m.find("data.caption_prompt.1.name"), std::string::npos) << m;
  // Wrong types are refused by the loader with the key's path.
  m = error("caption_prompt: \"[{prefix: a}]\"\n");
  EXPECT_NE(m.find("caption_prompt"), std::string::npos) << m;
  m = error("override_category: [{id: one, name: cat}]\n");
  EXPECT_NE(m.find("override_category.0.id"), std::string::npos) << m;
}

}  // namespace glip::data

namespace glip::data {

// Caption packing (official DATASETS.PACK_RANDOM_CAPTION_NUMBER ...): off by default as official; the keys reach
// the batch options; auto packs the pseudo-labelled sets only (the official CaptionTSV data).
TEST(DataConfig, CaptionPackingKeysAndWhichSetsArePacked) {
  const DataConfig defaults;
  EXPECT_EQ(defaults.pack_random_caption_number, 0);
  EXPECT_EQ(defaults.random_pack_prob, -1.0);
  EXPECT_EQ(defaults.no_random_pack_probability, 0.0);
  EXPECT_TRUE(defaults.safeguard_positive_caption);
  EXPECT_FALSE(batch_options(defaults, 0, 256).packing.enabled());

  auto root = test::temp_dir("dcfg_pack");
  write_file_atomic(root + "/p.jsonl",
                    R"({"image_id": 1, "image": {"path": "a.jpg"}, "width": 9, "height": 9, "caption": "a star", )"
                    R"("phrases": [{"span": [0, 6], "text": "a star", "boxes": [[1, 1, 5, 5]], "scores": [0.9]}]})"
                    "\n");
  write_file_atomic(root + "/g.json", R"({"images": [{"id": 1, "file_name": "a.png", "caption": "a star"}],
    "annotations": [{"id": 1, "image_id": 1, "bbox": [0, 0, 2, 2], "tokens_positive": [[0, 6]]}]})");
  write_file_atomic(root + "/d.json", R"({"images": [{"id": 1, "file_name": "a.png"}],
    "categories": [{"id": 1, "name": "star"}],
    "annotations": [{"id": 1, "image_id": 1, "category_id": 1, "bbox": [0, 0, 2, 2]}]})");
  DataConfig cfg;
  config::load_string(cfg, R"(
train:
  - {name: web, format: pseudo, path: p.jsonl}
  - {name: gold, format: mdetr, path: g.json}
  - {name: gold_on, format: mdetr, path: g.json, pack_captions: on}
  - {name: web_off, format: pseudo, path: p.jsonl, pack_captions: off}
  - {name: det, format: coco, path: d.json}
pack_random_caption_number: 20
random_pack_prob: 0.5
no_random_pack_probability: 0.4
)");
  const std::vector<bool> packed = {true, false, true, false, false};
  for (size_t i = 0; i < packed.size(); ++i)
    EXPECT_EQ(load_dataset(cfg.train[i], cfg, root).pack_captions, packed[i]) << cfg.train[i].name;
  const auto o = batch_options(cfg, 3, 128).packing;
  EXPECT_TRUE(o.enabled());
  EXPECT_EQ(o.pack_random_caption_number, 20);
  EXPECT_EQ(o.random_pack_prob, 0.5);
  EXPECT_EQ(o.no_random_pack_probability, 0.4);
  EXPECT_TRUE(o.safeguard_positive_caption);
  EXPECT_EQ(o.max_query_len, 128);  // model.max_query_len
  // A detection set's prompt is built from class names: packing it is a config error naming the set.
  cfg.train[4].pack_captions = "on";
  try {
    load_dataset(cfg.train[4], cfg, root);
    FAIL() << "expected an error";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("dataset 'det': pack_captions is on"), std::string::npos) << e.what();
  }
  DataConfig bad;
  EXPECT_THROW(config::load_string(bad, "train: [{name: x, path: a, pack_captions: yes}]\n"), InputError);
  EXPECT_THROW(config::load_string(bad, "random_pack_prob: 1.5\n"), InputError);
}

}  // namespace glip::data
