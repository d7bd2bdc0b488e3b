// GLIP training on a tiny synthetic world: the task's batches follow the engine's stream positions, the loss
// falls, the weights load with modeling::load_checkpoint, and a crashed run resumed ends bit-identical.
#include "glip/app/train_task.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "common/test_utils.h"
#include "glip/config/config.h"
#include "glip/core/error.h"
#include "glip/core/fs.h"
#include "glip/io/safetensors.h"
#include "glip/modeling/checkpoint.h"
#include "glip/modeling/model_config.h"
#include "glip/synth/world.h"

namespace glip::app {
namespace {
namespace fs = std::filesystem;

// A world of a few 64-pixel images (rendered once per test binary).
const std::string& tiny_world() {
  static const std::string dir = [] {
    synth::WorldOptions w;
    w.image_size = 64;
    w.gold_det_images = 6;
    w.gold_grounding_images = 6;
    w.web_images = 2;
    w.web_shard_size = 2;
    w.eval_coco_images = 2;
    w.eval_flickr_images = 2;
    w.eval_lvis_images = 2;
    w.max_objects = 3;
    const std::string out = test::temp_dir("train_world") + "/world";
    synth::generate_world(w, 5, out, 1);
    return out;
  }();
  return dir;
}

GlipConfig tiny_config(const std::string& work_dir, const std::vector<std::string>& sets = {}) {
  GlipConfig cfg;
  std::vector<std::string> all = {"data.min_size_train=[64]", "data.max_size_train=64",        "solver.ims_per_batch=2",
                                  "solver.log_period=1",      "solver.checkpoint_period=1000", "num_threads=1",
                                  "work_dir=" + work_dir};
  all.insert(all.end(), sets.begin(), sets.end());
  config::load_file(cfg, std::string(GLIP_SOURCE_DIR) + "/configs/tiny_synthetic.yaml", all);
  return cfg;
}

std::vector<double> logged_losses(const std::string& work_dir) {
  std::ifstream in(work_dir + "/metrics.jsonl");
  std::vector<double> out;
  for (std::string line; std::getline(in, line);) {
    const auto j = nlohmann::json::parse(line);
    if (j.contains("loss")) out.push_back(j.at("loss").get<double>());
  }
  return out;
}

engine::TrainResult train(const GlipConfig& cfg, bool resume = false) {
  torch::manual_seed(static_cast<uint64_t>(cfg.runtime.seed));
  TrainRequest req;
  req.data_root = tiny_world();
  req.resume = resume;
  req.config_yaml = config::dump(cfg);
  return run_training(cfg, req, load_train_datasets(cfg.data, tiny_world()), at::kCPU,
                      engine::make_single_process_comm());
}

TEST(GlipTrainTask, BatchesFollowTheStreamPositionsAndGiveTheFourLosses) {
  GlipConfig cfg = tiny_config(test::temp_dir("train_task"));
  auto sets = load_train_datasets(cfg.data, tiny_world());
  ASSERT_EQ(sets.size(), 2u);
  EXPECT_EQ(sets[0].records.size(), 6u);
  GlipTrainTask task(cfg, modeling::build_model(cfg.model), text::make_tokenizer(), sets, TrainPlacement{});
  // Each dataset repeated by its weight per epoch (configs/tiny_synthetic.yaml: grounding 1, detection 2).
  ASSERT_EQ(cfg.data.train.size(), 2u);
  EXPECT_EQ(cfg.data.train[1].weight, 2.0);
  EXPECT_EQ(task.dataset_size(), static_cast<int64_t>(sets[0].records.size() * 1 + sets[1].records.size() * 2));
  task.prefetch({2, 3});
  auto losses = task.losses({0, 1}, 0);
  for (const char* k : {"loss_reg", "loss_centerness", "loss_cls", "loss_dot_product_token"}) {
    ASSERT_TRUE(losses.count(k)) << k;
    EXPECT_TRUE(std::isfinite(losses.at(k).item<double>())) << k;
  }
  EXPECT_GT(losses.at("loss_dot_product_token").item<double>(), 0.0);
  losses.at("loss_dot_product_token").backward();  // the graph reaches the parameters
  // Out of order (as after a resume): the loader restarts at the asked position.
  EXPECT_EQ(task.losses({8, 9}, 4).size(), 4u);
  const std::string names = task.describe_samples({0, 1, 2, 3, 4, 5});
  EXPECT_NE(names.find("mdetr.json"), std::string::npos) << names;
  EXPECT_NE(names.find("instances.json"), std::string::npos) << names;
}

TEST(GlipTrainTask, LossFallsAndTheFinalWeightsLoad) {
  const std::string dir = test::temp_dir("train_falls");
  // Six grounding images seen five times each: the loss must fall clearly within 30 steps.
  GlipConfig cfg = tiny_config(dir, {"solver.max_iter=30", "solver.warmup_iters=3", "solver.base_lr=0.003",
                                     "solver.lang_lr=0.003", "data.flip_prob=0", "solver.steps=[0.99]"});
  cfg.data.train.resize(1);
  const engine::TrainResult r = train(cfg);
  EXPECT_EQ(r.final_iteration, 30);
  const auto losses = logged_losses(dir);
  ASSERT_EQ(losses.size(), 30u);
  double first = 0, last = 0;
  for (int i = 0; i < 5; ++i) first += losses[static_cast<size_t>(i)] / 5, last += losses[losses.size() - 1 - i] / 5;
  EXPECT_LT(last, 0.7 * first) << "mean loss of the first 5 steps " << first << ", of the last 5 " << last;
  // model_final.safetensors is a project checkpoint: it loads strictly into a freshly built model.
  modeling::GlipModel fresh = modeling::build_model(cfg.model);
  const auto rec = modeling::load_checkpoint(*fresh, dir + "/model_final.safetensors");
  EXPECT_EQ(rec.training_state.at("iteration"), "30");
  EXPECT_NE(rec.config_yaml.find("glip_tiny"), std::string::npos);
  EXPECT_TRUE(fs::exists(dir + "/loss_curves.png"));
}

class StopAt : public engine::TrainHook {
 public:
  void after_step(engine::Trainer&, const engine::StepStats& st) override {
    if (st.iteration == 3) throw std::runtime_error("simulated crash");
  }
};

TEST(GlipTrainTask, ResumedRunEndsBitIdentical) {
  const std::string ref = test::temp_dir("train_ref"), dir = test::temp_dir("train_resume");
  const std::vector<std::string> sets = {"solver.max_iter=4", "solver.checkpoint_period=2"};
  train(tiny_config(ref, sets));
  GlipConfig cfg = tiny_config(dir, sets);
  {
    torch::manual_seed(static_cast<uint64_t>(cfg.runtime.seed));
    TrainRequest req{tiny_world(), false, config::dump(cfg)};
    auto sets_ = load_train_datasets(cfg.data, tiny_world());
    GlipTrainTask task(cfg, modeling::build_model(cfg.model), text::make_tokenizer(), sets_, TrainPlacement{});
    engine::Trainer t(task, trainer_options(cfg, req, at::kCPU), engine::make_single_process_comm());
    t.add_hook(std::make_shared<StopAt>());
    EXPECT_THROW(t.train(), std::runtime_error);
  }
  EXPECT_THROW(train(cfg), InputError);  // a checkpoint is there and resume was not asked for
  const engine::TrainResult r = train(cfg, true);
  EXPECT_EQ(r.start_iteration, 2);
  // The tensors are bit-identical (the files differ only in the recorded config's work_dir).
  const auto a = io::load_safetensors(ref + "/model_final.safetensors").tensors;
  const auto b = io::load_safetensors(dir + "/model_final.safetensors").tensors;
  ASSERT_EQ(a.size(), b.size());
  for (const auto& [k, v] : a) EXPECT_TRUE(at::equal(v, b.at(k))) << k;
}

// model.freeze_conv_body_at (MODEL.BACKBONE.FREEZE_CONV_BODY_AT) reaches the trainer: with 2, the Swin patch
// embedding and its first stage keep their initial weights while the second stage trains.
TEST(GlipTrainTask, FreezeConvBodyAtKeepsTheFirstStagesFixed) {
  const std::string dir = test::temp_dir("train_freeze");
  // The Swin body (patch_embed, layers.N); the teacher config's ResNet freezes stem and layer1 by the same rule.
  GlipConfig cfg =
      tiny_config(dir, {"solver.max_iter=2", "model.freeze_conv_body_at=2", "model.conv_body=SWINT-FPN-RETINANET"});
  TrainRequest req{tiny_world(), false, config::dump(cfg)};
  EXPECT_EQ(trainer_options(cfg, req, at::kCPU).freeze_conv_body_at, 2);
  torch::manual_seed(static_cast<uint64_t>(cfg.runtime.seed));
  const auto start = modeling::build_model(cfg.model)->named_parameters();
  train(cfg);
  const auto end = io::load_safetensors(dir + "/model_final.safetensors").tensors;
  int64_t frozen = 0, moved = 0;
  for (const auto& p : start) {
    const std::string& k = p.key();
    const bool is_frozen = k.rfind("backbone.body.patch_embed.", 0) == 0 || k.rfind("backbone.body.layers.0.", 0) == 0;
    if (is_frozen) {
      EXPECT_TRUE(at::equal(p.value(), end.at(k))) << k;
      ++frozen;
    } else if (k.rfind("backbone.body.layers.1.", 0) == 0 && !at::equal(p.value(), end.at(k))) {
      ++moved;
    }
  }
  EXPECT_GT(frozen, 4);
  EXPECT_GT(moved, 4);
}

}  // namespace
}  // namespace glip::app
