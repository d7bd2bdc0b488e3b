// Does the model that glip trains ground words? The tiny GLIP trained on the 16 images of a small synthetic world
// (tests/app/grounding_e2e.yaml) must (1) memorise them: COCO AP50 >= 0.9 on those images with the evaluation
// prompt of all classes; (2) read its prompt: each class name alone ("circle", then "square", ...) is the prompt,
// and for every object its own name must score highest in at least 90% of the objects, with a mean margin over
// the best other name of at least 0.3 (glip_eval --phrase-probe). A model that ignores the words scores every
// name alike on every object (margins ~0, own name highest ~1/3 of the time): that is what the second check
// catches. Measured on the 2-core development VM (121 s beside another training run): AP 0.845, AP50 1.000; own name
// highest for 29 of 29 objects, mean margin 0.517, min 0.085 (0.69 of the objects at >= 0.3, so the stricter
// "every object >= 0.3" is not met at this budget; docs/training.md).
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "cli_run.h"
#include "common/test_utils.h"
#include "glip/core/fs.h"

namespace {
namespace fs = std::filesystem;

const std::string kConfig = std::string(GLIP_SOURCE_DIR) + "/tests/app/grounding_e2e.yaml";

TEST(GroundingE2E, TheTrainedModelMemorisesItsImagesAndReadsItsPrompt) {
  const std::string world = glip::test::render_world(
      GLIP_SYNTH_EXE, "grounding_e2e_world",
      "--seed 3 --set world.image_size=64 --set world.gold_det_images=16 --set world.gold_grounding_images=0"
      " --set world.web_images=0 --set world.eval_coco_images=0 --set world.eval_flickr_images=0"
      " --set world.eval_lvis_images=0 --set world.heldout=[] --set world.shapes=[circle,square,triangle]"
      " --set world.colours=[red,blue] --set world.textures=[solid] --set world.noise=0 --set world.occlusion=0"
      " --set world.min_object_frac=0.3 --set world.max_object_frac=0.6 --set world.min_objects=1"
      " --set world.max_objects=3");
  const std::string work = glip::test::temp_dir("grounding_e2e");
  const auto train = glip::test::run_tool(GLIP_TRAIN_EXE, "--config " + kConfig + " --data-root " + world +
                                                              " --work-dir " + work + "/run");
  ASSERT_EQ(train.code, 0) << train.output;
  const std::string common = "--config " + kConfig + " --checkpoint " + work + "/run/model_final.safetensors" +
                             " --dataset train --data-root " + world;

  const auto coco = glip::test::run_tool(GLIP_EVAL_EXE, common + " --out " + work + "/coco");
  ASSERT_EQ(coco.code, 0) << coco.output;
  const auto m = nlohmann::json::parse(glip::read_file(work + "/coco/train/metrics.json"))["metrics"];
  std::printf("memorisation: AP %.3f AP50 %.3f on the 16 training images\n", m["AP"].get<double>(),
              m["AP50"].get<double>());
  EXPECT_GE(m["AP50"].get<double>(), 0.9) << coco.output;

  const auto probe = glip::test::run_tool(GLIP_EVAL_EXE, common + " --phrase-probe --out " + work + "/probe");
  ASSERT_EQ(probe.code, 0) << probe.output;
  std::printf("%s", probe.output.c_str());
  const auto p = nlohmann::json::parse(glip::read_file(work + "/probe/train/phrase_probe.json"));
  EXPECT_GE(p["objects"].size(), 20u);
  EXPECT_GE(p["accuracy"].get<double>(), 0.9) << probe.output;
  EXPECT_GE(p["mean_margin"].get<double>(), 0.3) << probe.output;
}

}  // namespace
