// Does the model that glip trains ground words? The tiny GLIP trained on the 16 images of a small synthetic world
// (tests/app/grounding_e2e.yaml, 1,200 steps) must (1) memorise them: COCO AP50 >= 0.9 on those images with the
// evaluation prompt of all classes; (2) read its prompt: each class name alone ("circle", then "square", ...) is the
// prompt, and for every object its own name must score at least 0.3 above every other class name on its box (issue
// #15's bar; glip_eval --phrase-probe), so also highest for each object and on average. A model that ignores the words
// scores every name alike on every object (margins ~0, own name highest ~1/3 of the time). Measured on the 2-core AMD
// EPYC VM (AVX-512), training seeds 0 / 1 / 2: AP50 1.000, own name highest 29 of 29, mean margin 0.742 / 0.713 /
// 0.654, min 0.358 / 0.429 / 0.430. At 800 steps (the test until the heap change made training 1.5x faster) seed 0
// gave min 0.209 here and 0.311 on another VM's sgemm; before the fix of #15 (HF word init, log_scale 0) mean margin
// 0.517, min 0.085.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "cli_run.h"
#include "common/test_utils.h"
#include "glip/core/fs.h"

namespace {
namespace fs = std::filesystem;

const std::string kConfig = std::string(GLIP_SOURCE_DIR) + "/tests/app/grounding_e2e.yaml";

struct ProbeResult {
  double ap50 = 0;
  nlohmann::json probe;
};

// Trains `config` on `world`, then evaluates the final model on its own training images (dataset "train"): COCO
// metrics with the all-class prompt, and the one-phrase probe.
// `train_args` are added to glip_train's command line.
ProbeResult train_and_probe(const std::string& config, const std::string& world, const std::string& tag,
                            const std::string& train_args = "") {
  ProbeResult r;
  const std::string work = glip::test::temp_dir(tag);
  const auto train = glip::test::run_tool(
      GLIP_TRAIN_EXE, "--config " + config + " --data-root " + world + " --work-dir " + work + "/run " + train_args);
  EXPECT_EQ(train.code, 0) << train.output;
  if (train.code != 0) return r;
  const std::string common = "--config " + config + " --checkpoint " + work + "/run/model_final.safetensors" +
                             " --dataset train --data-root " + world;
  const auto coco = glip::test::run_tool(GLIP_EVAL_EXE, common + " --out " + work + "/coco");
  EXPECT_EQ(coco.code, 0) << coco.output;
  const auto m = nlohmann::json::parse(glip::read_file(work + "/coco/train/metrics.json"))["metrics"];
  std::printf("memorisation: AP %.3f AP50 %.3f on the training images\n", m["AP"].get<double>(),
              m["AP50"].get<double>());
  r.ap50 = m["AP50"].get<double>();
  const auto probe = glip::test::run_tool(GLIP_EVAL_EXE, common + " --phrase-probe --out " + work + "/probe");
  EXPECT_EQ(probe.code, 0) << probe.output;
  std::printf("%s", probe.output.c_str());
  r.probe = nlohmann::json::parse(glip::read_file(work + "/probe/train/phrase_probe.json"));
  return r;
}

TEST(GroundingE2E, TheTrainedModelMemorisesItsImagesAndReadsItsPrompt) {
  const std::string world = glip::test::render_world(
      GLIP_SYNTH_EXE, "grounding_e2e_world",
      "--seed 3 --set world.image_size=64 --set world.gold_det_images=16 --set world.gold_grounding_images=0"
      " --set world.web_images=0 --set world.eval_coco_images=0 --set world.eval_flickr_images=0"
      " --set world.eval_lvis_images=0 --set world.heldout=[] --set world.shapes=[circle,square,triangle]"
      " --set world.colours=[red,blue] --set world.textures=[solid] --set world.noise=0 --set world.occlusion=0"
      " --set world.min_object_frac=0.3 --set world.max_object_frac=0.6 --set world.min_objects=1"
      " --set world.max_objects=3");
  const auto r = train_and_probe(kConfig, world, "grounding_e2e");
  EXPECT_GE(r.ap50, 0.9);
  EXPECT_GE(r.probe["objects"].size(), 20u);
  EXPECT_GE(r.probe["accuracy"].get<double>(), 0.9);
  EXPECT_GE(r.probe["mean_margin"].get<double>(), 0.3);
  EXPECT_GE(r.probe["min_margin"].get<double>(), 0.3);
}

// The issue's world (seed 3: 16 images of 8 shapes x 8 colours x 3 textures at 160 px, noise, occlusion) and the
// main job's teacher as it is: the ResNet body of configs/model/glip_tiny_r.yaml, first pre-trained by glip_pretrain
// (300 steps) on the boxes of these 16 images, then configs/tiny_synthetic.yaml for 450 steps. The model must
// memorise the images (AP50 >= 0.9) and give the objects their own name (own name highest for >= 90% of the 73
// objects, mean margin >= 0.2). Before the fix of #15 (docs/training.md) this was at chance: own name highest 0.16,
// mean margin -0.02, AP50 0.19 at 300 steps (Swin from random weights). Measured on the loaded 2-core VM (147 s in
// all): AP50 0.989, own name highest 0.959, mean margin 0.297, min -0.312. The issue's Swin from random weights
// gave 0.890 / 0.132 (and 0.795 / 0.091 after the box-convention change moved its trajectory): too close to chance
// to be a stable test. The stricter bar, every object's margin >= 0.3, is not reached at this budget (63% of the
// objects; 89% after 600 + 700 steps).
TEST(GroundingE2E, IssueWorldTeacherConfigMemorisesAndReadsItsPrompt) {
  const std::string world = glip::test::render_world(
      GLIP_SYNTH_EXE, "grounding_issue_world",
      "--seed 3 --config " + std::string(GLIP_SOURCE_DIR) + "/tests/app/issue_world.yaml" +
          " --set world.gold_det_images=16 --set world.gold_grounding_images=16 --set world.web_images=8"
          " --set world.web_shard_size=8 --set world.eval_coco_images=16 --set world.eval_flickr_images=8"
          " --set world.eval_lvis_images=8");
  const std::string config = std::string(GLIP_SOURCE_DIR) + "/tests/app/grounding_issue_world.yaml";
  const std::string body = glip::test::temp_dir("grounding_issue_world_body");
  const auto pre = glip::test::run_tool(GLIP_PRETRAIN_EXE, "--config " + std::string(GLIP_SOURCE_DIR) +
                                                               "/configs/pretrain_synthetic.yaml --data-root " + world +
                                                               " --work-dir " + body + " --set solver.max_iter=300" +
                                                               " --set solver.checkpoint_period=300");
  ASSERT_EQ(pre.code, 0) << pre.output;
  const auto r = train_and_probe(config, world, "grounding_issue_world",
                                 "--set model.backbone_weight=" + body + "/model_final.safetensors");
  EXPECT_GE(r.ap50, 0.9);
  EXPECT_EQ(r.probe["objects"].size(), 73u);
  EXPECT_GE(r.probe["accuracy"].get<double>(), 0.9);
  EXPECT_GE(r.probe["mean_margin"].get<double>(), 0.2);
}

}  // namespace
