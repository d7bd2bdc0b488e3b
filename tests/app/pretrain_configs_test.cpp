// The shipped official pretraining recipes (configs/pretrain/*.yaml, issue #16 item 10) load into the root config
// and validate, and carry the official glip_Swin_T_O365 / glip_A_Swin_T_O365 / glip_Swin_T_O365_GoldG /
// glip_Swin_L settings: warmup, clipping, EMA, AMP, weight decay and its schedule, autostep, batch, LR, steps,
// caption packing, and datasets relative to --data-root.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <tuple>

#include "glip/app/glip_config.h"
#include "glip/config/config.h"
#include "glip/data/data_config.h"
#include "glip/engine/schedule.h"
#include "glip/engine/solver.h"
#include "glip/inference/eval_config.h"
#include "glip/modeling/model_config.h"

namespace {

namespace fs = std::filesystem;

std::map<std::string, glip::app::GlipConfig> shipped() {
  std::map<std::string, glip::app::GlipConfig> out;
  for (const auto& e : fs::directory_iterator(std::string(GLIP_SOURCE_DIR) + "/configs/pretrain")) {
    if (e.path().extension() != ".yaml") continue;
    glip::app::GlipConfig cfg;
    glip::config::load_file(cfg, e.path().string(), {});
    out[e.path().stem().string()] = cfg;
  }
  return out;
}

TEST(PretrainConfigs, EveryFileLoadsValidatesAndCarriesTheOfficialRecipe) {
  const auto all = shipped();
  // file -> (model variant, early fusion, number of training sets)
  const std::map<std::string, std::tuple<std::string, bool, size_t>> expected = {
      {"glip_t_o365", {"glip_t_b", true, 1}},
      {"glip_t_a_o365", {"glip_t_a", false, 1}},
      {"glip_t_o365_goldg", {"glip_t_c", true, 3}},
      {"glip_l", {"glip_l", true, 7}}};
  ASSERT_EQ(all.size(), expected.size());
  for (const auto& [file, cfg] : all) {
    SCOPED_TRACE(file);
    ASSERT_TRUE(expected.count(file));
    const auto& [variant, early_fuse, sets] = expected.at(file);
    EXPECT_NO_THROW(glip::engine::validate_solver_options(cfg.solver, file));
    EXPECT_NO_THROW(glip::modeling::build_model_options(cfg.model));
    EXPECT_NO_THROW(glip::inference::validate(cfg.eval));
    EXPECT_EQ(cfg.model.name, variant);
    EXPECT_EQ(cfg.model.early_fuse, early_fuse);
    EXPECT_EQ(cfg.model.max_query_len, 256);
    // SOLVER: the same in all four official files.
    const auto& s = cfg.solver;
    EXPECT_EQ(s.optimizer, "ADAMW");
    EXPECT_EQ(s.base_lr, 1e-4);
    EXPECT_EQ(s.lang_lr, 1e-5);
    EXPECT_EQ(s.bias_lr_factor, 2.0);
    EXPECT_EQ(s.weight_decay_bias, 0.0);
    EXPECT_EQ(s.steps, (std::vector<double>{0.67, 0.89}));
    EXPECT_EQ(s.gamma, 0.1);
    EXPECT_EQ(s.ims_per_batch, 64);
    EXPECT_EQ(s.warmup_iters, 2000);
    EXPECT_EQ(s.warmup_factor, 0.001);
    EXPECT_EQ(s.warmup_method, "linear");
    EXPECT_TRUE(s.clip_gradients.enabled);
    EXPECT_EQ(s.clip_gradients.clip_value, 1.0);
    EXPECT_FALSE(s.use_autostep);  // USE_AUTOSTEP is the official ODinW fine-tuning's, not pretraining's
    EXPECT_FALSE(s.use_cosine);
    EXPECT_EQ(s.eval_period, 0);  // TEST.DURING_TRAINING False
    // INPUT / AUGMENT / DATALOADER.
    EXPECT_EQ(cfg.data.min_size_train, (std::vector<int64_t>{480, 560, 640, 720, 800}));
    EXPECT_EQ(cfg.data.max_size_train, 1333);
    EXPECT_EQ(cfg.data.min_size_test, std::vector<int64_t>{800});
    EXPECT_EQ(cfg.data.max_size_test, 1333);
    EXPECT_EQ(cfg.data.size_divisibility, 32);
    EXPECT_EQ(cfg.data.random_sample_negative, 85);
    // Datasets: relative to --data-root; evaluation on COCO val2017 (DATASETS.TEST).
    ASSERT_EQ(cfg.data.train.size(), sets);
    for (const auto& d : cfg.data.train) {
      EXPECT_FALSE(d.path.empty() || d.path.front() == '/') << d.name;
      EXPECT_TRUE(d.image_root.empty() ? d.format == "pseudo" : d.image_root.front() != '/') << d.name;
    }
    ASSERT_EQ(cfg.eval.datasets.size(), 1u);
    EXPECT_EQ(cfg.eval.datasets[0].protocol, "coco");
    EXPECT_EQ(cfg.eval.datasets[0].annotation, "coco/annotations/instances_val2017.json");
    const auto packing = glip::data::batch_options(cfg.data, 0, cfg.model.max_query_len).packing;
    if (file == "glip_l") {
      EXPECT_EQ(s.weight_decay, 0.01);
      EXPECT_TRUE(s.weight_decay_schedule);
      EXPECT_EQ(s.weight_decay_schedule_ratio, 0.667);
      EXPECT_EQ(s.max_iter, 1000000);
      EXPECT_EQ(s.max_epoch, 0);
      EXPECT_FALSE(s.use_amp);                      // not set in glip_Swin_L.yaml: the official default
      EXPECT_EQ(s.model_ema, 0.0);                  // likewise
      EXPECT_EQ(cfg.model.freeze_conv_body_at, 2);  // likewise (MODEL.BACKBONE.FREEZE_CONV_BODY_AT)
      EXPECT_EQ(cfg.model.swin_depths, (std::vector<int64_t>{2, 2, 18, 2}));
      EXPECT_EQ(cfg.model.swin_drop_path_rate, 0.4);
      EXPECT_EQ(cfg.model.dyhead_num_convs, 8);
      EXPECT_EQ(glip::engine::WeightDecaySchedule(s).drop_iterations(), (std::vector<int64_t>{446890, 593630}));
      EXPECT_EQ(cfg.data.caption_conf, 0.5);
      EXPECT_EQ(cfg.data.caption_min_box, 1);
      EXPECT_TRUE(packing.enabled());
      EXPECT_EQ(packing.pack_random_caption_number, 20);
      EXPECT_EQ(packing.random_pack_prob, 0.5);
      EXPECT_EQ(packing.no_random_pack_probability, 0.4);
      EXPECT_TRUE(packing.safeguard_positive_caption);
      EXPECT_EQ(packing.max_query_len, 256);
      // The paper's mixture with the official copy counts; the pseudo-labelled captions are the packed set.
      const std::map<std::string, double> copies = {
          {"flickr30k_train", 8}, {"mixed_train_no_coco", 4}, {"object365", 2}, {"vg", 3},
          {"imagenetod", 2},      {"openimages", 1},          {"cap24m", 1}};
      for (const auto& d : cfg.data.train) {
        EXPECT_EQ(d.weight, copies.at(d.name)) << d.name;
        EXPECT_EQ(d.pack_captions, "auto") << d.name;
      }
      EXPECT_EQ(cfg.data.train.back().format, "pseudo");
    } else {
      EXPECT_EQ(s.weight_decay, 1e-4);
      EXPECT_FALSE(s.weight_decay_schedule);
      EXPECT_EQ(s.max_epoch, 30);
      EXPECT_TRUE(s.use_amp);
      EXPECT_EQ(s.model_ema, 0.999);
      EXPECT_EQ(cfg.model.freeze_conv_body_at, -1);
      EXPECT_EQ(cfg.model.swin_depths, (std::vector<int64_t>{2, 2, 6, 2}));
      EXPECT_FALSE(packing.enabled());
      EXPECT_EQ(cfg.data.train[0].format, "coco");
      for (const auto& d : cfg.data.train) EXPECT_EQ(d.weight, 1.0) << d.name;
    }
  }
}

}  // namespace
