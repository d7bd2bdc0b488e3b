// The fine-tuning workflow end to end on a tiny synthetic world, in each mode: one glip_train command
// evaluates zero-shot before training and again after, on the held-out split and on the training split, and the
// report must show the fine-tuned model beating its starting point. Full fine-tuning starts from random weights
// (10 iterations); prompt tuning and linear probing start from the full run's weights, as a user starts from a
// pre-trained checkpoint, and train 40 iterations of their own parameters only.
// What is asserted, and why: over solver.seed 0-5 with glip::ops::dropout and 0-2 with at::dropout (each seed and
// each dropout generator another random stream) the full run took the held-out AP from 0.005 to 0.025-0.089 and
// the training split's from 0.002 to 0.022-0.043; prompt tuning then raised the training split's AP by
// 0.005-0.036 and linear probing (learning rate 0.01) by 0.017-0.055. Their held-out AP on 16 images moved by
// -0.005 to +0.059: after 40 steps of head-only or prompt-only tuning that is within the noise of so small a split
// (20 steps at a learning rate of 0.001 left linear probing below its start in two seeds), so the held-out split
// is asserted for the full run only and printed for the others.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "cli_run.h"
#include "common/test_utils.h"
#include "glip/core/fs.h"

namespace {
namespace fs = std::filesystem;

using glip::test::RunResult;

RunResult run(const std::string& exe, const std::string& args) { return glip::test::run_tool(exe, args); }

const std::string kConfig = std::string(GLIP_SOURCE_DIR) + "/tests/app/finetune_synthetic.yaml";

const std::string& world() {
  static const std::string dir =
      glip::test::render_world(GLIP_SYNTH_EXE, "finetune_e2e_world",
                               "--seed 11 --set world.image_size=64 --set world.gold_det_images=48"
                               " --set world.gold_grounding_images=0 --set world.web_images=0"
                               " --set world.eval_coco_images=16 --set world.eval_flickr_images=0"
                               " --set world.eval_lvis_images=0 --set world.shapes=[circle,square,star]"
                               " --set world.colours=[red] --set world.textures=[solid] --set world.heldout=[]"
                               " --set world.min_objects=1 --set world.max_objects=2 --set world.occlusion=0"
                               " --set world.min_object_frac=0.3 --set world.max_object_frac=0.6");
  return dir;
}

struct BeforeAfter {
  double before = -1, after = -1;
};

struct Report {
  BeforeAfter heldout, train;
  std::string mode;
};

// Runs glip_train in one mode; returns the primary rows (AP) of the report for the held-out and training splits.
Report finetune(const std::string& work, const std::string& extra) {
  const RunResult r =
      run(GLIP_TRAIN_EXE, "--config " + kConfig + " --data-root " + world() + " --work-dir " + work + " " + extra);
  EXPECT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("zero-shot before vs fine-tuned after: " + work + "/finetune_report.md"), std::string::npos)
      << r.output;
  EXPECT_TRUE(fs::exists(work + "/finetune_report.md"));
  EXPECT_TRUE(fs::exists(work + "/finetune_eval/before/heldout/results.json"));
  EXPECT_TRUE(fs::exists(work + "/finetune_eval/after/heldout/metrics.json"));
  Report rep;
  if (!fs::exists(work + "/finetune_report.json")) return rep;
  const auto j = nlohmann::json::parse(glip::read_file(work + "/finetune_report.json"));
  rep.mode = j["mode"].get<std::string>();
  for (const auto& row : j["rows"]) {
    if (!row["primary"].get<bool>()) continue;
    EXPECT_EQ(row["metric"], "AP");
    const std::string name = row["dataset"].get<std::string>();
    EXPECT_TRUE(name == "heldout" || name == "train") << name;
    BeforeAfter& b = name == "heldout" ? rep.heldout : rep.train;
    b.before = row["before"].get<double>();
    b.after = row["after"].get<double>();
  }
  std::printf("%s: held-out AP %.4f -> %.4f, training split AP %.4f -> %.4f\n", rep.mode.c_str(), rep.heldout.before,
              rep.heldout.after, rep.train.before, rep.train.after);
  return rep;
}

TEST(FinetuneE2E, EveryModeBeatsItsStartingPoint) {
  const std::string root = glip::test::temp_dir("finetune_e2e");
  const Report full = finetune(root + "/full", "");  // solver.max_iter of the config: 10
  EXPECT_EQ(full.mode, "full");
  EXPECT_GT(full.heldout.after, full.heldout.before + 0.01);
  EXPECT_GT(full.train.after, full.train.before + 0.01);
  const std::string start = root + "/full/model_final.safetensors";
  ASSERT_TRUE(fs::exists(start));
  const Report prompt = finetune(root + "/prompt", "--weights " + start +
                                                       " --set solver.tuning_highlevel_override=language_prompt_v2"
                                                       " --set model.add_linear_layer=true --set solver.base_lr=0.05"
                                                       " --set solver.weight_decay=0.25 --set solver.max_iter=40");
  EXPECT_EQ(prompt.mode, "language_prompt_v2");
  EXPECT_NEAR(prompt.heldout.before, full.heldout.after, 1e-6);  // its zero-shot start is the full run's result
  EXPECT_NEAR(prompt.train.before, full.train.after, 1e-6);
  EXPECT_GT(prompt.train.after, prompt.train.before);
  const Report linear = finetune(root + "/linear", "--weights " + start +
                                                       " --set solver.tuning_highlevel_override=linear_prob"
                                                       " --set solver.base_lr=0.01 --set solver.max_iter=40");
  EXPECT_EQ(linear.mode, "linear_prob");
  EXPECT_NEAR(linear.heldout.before, full.heldout.after, 1e-6);
  EXPECT_NEAR(linear.train.before, full.train.after, 1e-6);
  EXPECT_GT(linear.train.after, linear.train.before);
}

}  // namespace
