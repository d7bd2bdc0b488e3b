// Every shipped evaluation protocol (configs/eval/*.yaml) loads into the root config, validates, builds its model
// options and names one dataset for glip_eval to evaluate without --dataset; the ODinW files carry the official
// per-task splits, category overrides and caption prompts.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>

#include "common/test_utils.h"
#include "evaluation/eval_builders.h"
#include "glip/app/glip_config.h"
#include "glip/config/config.h"
#include "glip/core/error.h"
#include "glip/inference/eval_config.h"
#include "glip/modeling/model_config.h"

namespace {

namespace fs = std::filesystem;

std::map<std::string, glip::app::GlipConfig> shipped() {
  std::map<std::string, glip::app::GlipConfig> out;
  for (const auto& e : fs::directory_iterator(std::string(GLIP_SOURCE_DIR) + "/configs/eval")) {
    if (e.path().extension() != ".yaml") continue;
    glip::app::GlipConfig cfg;
    glip::config::load_file(cfg, e.path().string(), {});
    out[e.path().stem().string()] = cfg;
  }
  return out;
}

TEST(EvalConfigs, EveryFileLoadsAndValidates) {
  const auto all = shipped();
  const std::map<std::string, std::string> expected = {
      {"coco_val2017", "coco"},     {"lvis_minival", "lvis_fixed"}, {"lvis_minival_standard", "lvis"},
      {"flickr30k_test", "flickr"}, {"odinw13", "odinw"},           {"odinw35", "odinw"}};
  for (const auto& [file, protocol] : expected) ASSERT_TRUE(all.count(file)) << file;
  for (const auto& [file, cfg] : all) {
    SCOPED_TRACE(file);
    EXPECT_NO_THROW(glip::inference::validate(cfg.eval));
    EXPECT_NO_THROW(glip::modeling::build_model_options(cfg.model));
    const std::string name = glip::inference::default_dataset(cfg.eval);  // glip_eval needs no --dataset
    if (expected.count(file)) {
      EXPECT_EQ(name, file);
      EXPECT_EQ(glip::inference::find_dataset(cfg.eval, name).protocol, expected.at(file));
    }
    // The official test settings: 800 / 1333, one image per forward pass.
    EXPECT_EQ(cfg.data.min_size_test, std::vector<int64_t>{800});
    EXPECT_EQ(cfg.data.max_size_test, 1333);
    EXPECT_EQ(cfg.test.ims_per_batch, 1);
    for (const auto& d : cfg.eval.datasets) {
      // Paths relative to --data-root, folded long lines joined without a stray character.
      for (const std::string* p : {&d.annotation, &d.image_root, &d.flickr_root}) {
        EXPECT_TRUE(p->empty() || (p->front() != '/' && p->find('\n') == std::string::npos &&
                                   p->find("  ") == std::string::npos && p->find("\\") == std::string::npos))
            << d.name << ": '" << *p << "'";
      }
    }
  }
}

TEST(EvalConfigs, OdinwTasksCarryTheOfficialOverrides) {
  const auto all = shipped();
  for (const auto& [file, tasks] : std::map<std::string, size_t>{{"odinw13", 13}, {"odinw35", 35}}) {
    const auto& ev = all.at(file).eval;
    const auto& top = glip::inference::find_dataset(ev, file);
    ASSERT_EQ(top.members.size(), tasks) << file;
    size_t with_prompt = 0;
    for (const auto& m : top.members) {
      const auto& d = glip::inference::find_dataset(ev, m);
      EXPECT_FALSE(d.override_category.empty()) << m;
      EXPECT_NE(d.annotation.find("annotations_without_background.json"), std::string::npos) << m;
      if (!d.caption_prompt.empty()) {
        ++with_prompt;
        EXPECT_EQ(d.caption_prompt.size(), d.override_category.size()) << m;
      }
    }
    EXPECT_EQ(with_prompt, file == "odinw35" ? 4u : 0u) << file;
  }
  // Spot checks against configs/odinw_35: the split, a name and a prompt.
  const auto& ev = all.at("odinw35").eval;
  const auto& ego = glip::inference::find_dataset(ev, "EgoHands_generic");
  EXPECT_EQ(ego.annotation, "odinw/EgoHands/generic/mini_val/annotations_without_background.json");
  ASSERT_EQ(ego.caption_prompt.size(), 1u);
  EXPECT_EQ(ego.caption_prompt[0].prefix + ego.caption_prompt[0].name + ego.caption_prompt[0].suffix,
            " hand of a person");
  const auto& asl =
      glip::inference::find_dataset(ev, "AmericanSignLanguageLetters_American_Sign_Language_Letters.v1-v1.coco");
  EXPECT_EQ(asl.annotation,
            "odinw/AmericanSignLanguageLetters/American Sign Language Letters.v1-v1.coco/valid/"
            "annotations_without_background.json");
  EXPECT_EQ(asl.override_category.size(), 26u);
}

TEST(EvalConfigs, DefaultDatasetNeedsExactlyOneTopLevelDataset) {
  glip::inference::EvalConfig cfg;
  EXPECT_NE(glip::test::input_error_of([&] { glip::inference::default_dataset(cfg); }).find("--dataset"),
            std::string::npos);
  cfg.datasets.resize(2);
  cfg.datasets[0].name = "a";
  cfg.datasets[1].name = "b";
  const std::string err = glip::test::input_error_of([&] { glip::inference::default_dataset(cfg); });
  EXPECT_NE(err.find("2 (a, b)"), std::string::npos) << err;
  cfg.datasets.push_back({});
  cfg.datasets[2].name = "both";
  cfg.datasets[2].protocol = "odinw";
  cfg.datasets[2].members = {"a", "b"};
  EXPECT_EQ(glip::inference::default_dataset(cfg), "both");
  // Per-dataset prompts are for coco / lvis datasets.
  cfg.datasets[2].override_category.push_back({});
  EXPECT_NE(glip::test::input_error_of([&] { glip::inference::validate(cfg); }).find("override_category"),
            std::string::npos);
}

}  // namespace
