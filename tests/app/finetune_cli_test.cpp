// glip_train's fine-tuning report on a COCO-format dataset with 1,200 categories (a prompt of ~3,600 tokens):
// training samples classes per image within the token budget (every positive class fits), evaluation splits
// the vocabulary into prompts that fit (every class is scored), and one command writes the before/after report.
// Also: data.caption_prompt reaches the training and evaluation prompts, and bad overrides name their key.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>

#include "cli_run.h"
#include "common/test_utils.h"
#include "glip/app/glip_config.h"
#include "glip/config/config.h"
#include "glip/core/fs.h"
#include "glip/data/data_config.h"
#include "glip/data/grounding_batch.h"
#include "glip/text/prompt.h"
#include "glip/text/tokenizer.h"

namespace {
namespace fs = std::filesystem;
using nlohmann::json;

using glip::test::RunResult;

RunResult run(const std::string& exe, const std::string& args) { return glip::test::run_tool(exe, args); }

constexpr int kClasses = 1200;

// A tiny world whose detection splits are rewritten with 1,200 categories: the world's shapes keep their
// names under ids spread over the range, the others are distractors ("thing 17": 3 tokens with ". ").
const std::string& world() {
  static const std::string dir = [] {
    const std::string out = glip::test::render_world(GLIP_SYNTH_EXE, "finetune_cli_world",
                                                     "--seed 5 --set world.image_size=64 --set world.gold_det_images=8"
                                                     " --set world.gold_grounding_images=0 --set world.web_images=0"
                                                     " --set world.eval_coco_images=4 --set world.eval_flickr_images=0"
                                                     " --set world.eval_lvis_images=0");
    for (const char* split : {"gold_det/instances.json", "eval/coco/instances.json"}) {
      json j = json::parse(glip::read_file(out + "/" + split));
      std::map<int64_t, std::string> shapes;
      for (const auto& c : j["categories"]) shapes[c["id"].get<int64_t>()] = c["name"].get<std::string>();
      json cats = json::array();
      for (int id = 1; id <= kClasses; ++id) {
        const int64_t shape = id % 100 == 0 ? id / 100 : -1;  // shape k -> id 100 k
        cats.push_back({{"id", id}, {"name", shapes.count(shape) ? shapes[shape] : "thing " + std::to_string(id)}});
      }
      for (auto& a : j["annotations"]) a["category_id"] = a["category_id"].get<int64_t>() * 100;
      j["categories"] = cats;
      std::string path = out + "/" + split;
      path.replace(path.size() - 5, 5, "_many.json");
      glip::write_file_atomic(path, j.dump());
    }
    return out;
  }();
  return dir;
}

std::string many_config(const std::string& dir, const std::string& extra = "") {
  const std::string path = dir + "/many.yaml";
  glip::write_file_atomic(path, "_base_: " + std::string(GLIP_SOURCE_DIR) + "/tests/app/finetune_synthetic.yaml\n" +
                                    R"(model: {max_query_len: 256, inference_th: 0.0}
data:
  train: [{name: many, format: coco, path: gold_det/instances_many.json, image_root: gold_det/images}]
eval:
  datasets:
    - {name: many_val, protocol: coco, annotation: eval/coco/instances_many.json, image_root: eval/coco/images}
solver: {max_iter: 2, ims_per_batch: 2}
test: {ims_per_batch: 4}
)" + extra);
  return path;
}

TEST(FinetuneCli, ManyClassesTrainAndEvaluateWithoutManualSteps) {
  const std::string dir = glip::test::temp_dir("finetune_cli_many");
  const std::string cfg_path = many_config(dir);
  glip::app::GlipConfig cfg;
  glip::config::load_file(cfg, cfg_path);
  auto tok = glip::text::make_tokenizer();

  // Training: every box of every image keeps its class in a prompt of at most 256 tokens.
  auto set = glip::data::load_dataset(cfg.data.train[0], cfg.data, world());
  ASSERT_EQ(set.categories.size(), static_cast<size_t>(kClasses));
  const size_t n_records = set.records.size();
  std::vector<size_t> boxes_of;
  for (const auto& r : set.records) boxes_of.push_back(r.boxes.size());
  auto opts = glip::data::batch_options(cfg.data, 1, cfg.model.max_query_len);
  opts.transforms.flip_prob = 0;
  glip::data::GroundingBatchBuilder builder({std::move(set)}, {1.0}, tok, opts);
  for (uint64_t p = 0; p < n_records; ++p) {
    const auto batch = builder.build_at({p});
    const auto [d, i] = builder.schedule().at(p);
    EXPECT_EQ(batch.targets[0].boxes.size(0), static_cast<int64_t>(boxes_of[i])) << batch.captions[0];
    EXPECT_LE(tok->count_tokens(batch.captions[0]) + 2, 256);
    EXPECT_TRUE(batch.targets[0].positive_map.sum(1).gt(0).all().item<bool>());
  }
  // Evaluation: the vocabulary is split into prompts that fit; every class has its tokens in one of them.
  std::map<int64_t, std::string> cats;
  for (int id = 1; id <= kClasses; ++id) cats[id] = "thing " + std::to_string(id);
  const auto queries = glip::text::plan_category_queries(cats, *tok, -1, cfg.model.max_query_len);
  EXPECT_GT(queries.size(), 10u);
  std::set<int64_t> scored;
  for (const auto& q : queries) {
    EXPECT_LE(tok->count_tokens(q.prompt.text) + 2, 256);
    for (const auto& [label, tokens] : q.label_to_tokens) {
      ASSERT_FALSE(tokens.empty());
      EXPECT_LT(tokens.back(), 256);
      scored.insert(label);
    }
  }
  EXPECT_EQ(scored.size(), static_cast<size_t>(kClasses));

  // One command: zero-shot evaluation, a few iterations, evaluation, report.
  const std::string work = dir + "/run";
  const RunResult r = run(GLIP_TRAIN_EXE, "--config " + cfg_path + " --data-root " + world() + " --work-dir " + work);
  ASSERT_EQ(r.code, 0) << r.output;
  const json m = json::parse(glip::read_file(work + "/finetune_eval/after/many_val/metrics.json"));
  EXPECT_GT(m["reproducibility"]["prompts"].get<int64_t>(), 10);
  const json rep = json::parse(glip::read_file(work + "/finetune_report.json"));
  EXPECT_EQ(rep["rows"][0]["dataset"], "many_val");
  EXPECT_EQ(rep["iterations"], 2);
  // Results of classes from every prompt chunk (labels map back to the dataset's ids).
  std::set<int64_t> result_ids;
  for (const auto& d : json::parse(glip::read_file(work + "/finetune_eval/after/many_val/results.json")))
    result_ids.insert(d["category_id"].get<int64_t>());
  EXPECT_GT(*result_ids.rbegin(), 1000);
  EXPECT_LT(*result_ids.begin(), 200);
}

TEST(FinetuneCli, CaptionPromptReachesTrainingAndEvaluationPrompts) {
  const std::string dir = glip::test::temp_dir("finetune_cli_prompt");
  // The world's own COCO split (3 shapes by default? read them) with a caption_prompt entry per category.
  const json ann = json::parse(glip::read_file(world() + "/eval/coco/instances.json"));
  std::string entries;
  for (size_t i = 0; i < ann["categories"].size(); ++i)
    entries += std::string(i ? ", " : "") + "{prefix: \"a \", name: \"" +
               ann["categories"][i]["name"].get<std::string>() + "\", suffix: \" shape\"}";
  const std::string cfg_path = dir + "/c.yaml";
  glip::write_file_atomic(cfg_path, "_base_: " + std::string(GLIP_SOURCE_DIR) +
                                        "/tests/app/finetune_synthetic.yaml\n"
                                        "model: {max_query_len: 128}\n"
                                        "data: {caption_prompt: [" +
                                        entries +
                                        "]}\n"
                                        "solver: {max_iter: 1, ims_per_batch: 2}\n");
  const std::string work = dir + "/run";
  RunResult r = run(GLIP_TRAIN_EXE, "--config " + cfg_path + " --data-root " + world() + " --work-dir " + work);
  ASSERT_EQ(r.code, 0) << r.output;
  const json m = json::parse(glip::read_file(work + "/finetune_eval/before/heldout/metrics.json"));
  const std::string first = m["reproducibility"]["first_prompt"].get<std::string>();
  EXPECT_EQ(first.rfind("a " + ann["categories"][0]["name"].get<std::string>() + " shape. a ", 0), 0u) << first;
  // A wrong number of entries: exit 2 naming the key and the dataset, before anything is trained.
  glip::write_file_atomic(cfg_path, "_base_: " + std::string(GLIP_SOURCE_DIR) +
                                        "/tests/app/finetune_synthetic.yaml\n"
                                        "data: {caption_prompt: [{prefix: a, name: b, suffix: c}]}\n");
  r = run(GLIP_TRAIN_EXE, "--config " + cfg_path + " --data-root " + world() + " --work-dir " + dir + "/bad");
  EXPECT_EQ(r.code, 2) << r.output;
  EXPECT_NE(r.output.find("config key 'data.caption_prompt': 1 entries but dataset 'det'"), std::string::npos)
      << r.output;
  // An unknown id in override_category, and a value of the wrong type.
  r = run(GLIP_TRAIN_EXE, "--config " + cfg_path + " --data-root " + world() + " --work-dir " + dir + "/bad2" +
                              " --set data.caption_prompt=[] --set 'data.override_category=[{id: 999, name: x}]'");
  EXPECT_EQ(r.code, 2) << r.output;
  EXPECT_NE(r.output.find("config key 'data.override_category.0': category id 999"), std::string::npos) << r.output;
  r = run(GLIP_TRAIN_EXE, "--config " + cfg_path + " --data-root " + world() + " --work-dir " + dir + "/bad3" +
                              " --set data.caption_prompt=5");
  EXPECT_EQ(r.code, 2) << r.output;
  EXPECT_NE(r.output.find("data.caption_prompt"), std::string::npos) << r.output;
}

}  // namespace
