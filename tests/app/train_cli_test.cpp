// glip_train as a user runs it: a world rendered by glip_synth, a few iterations of configs/tiny_synthetic.yaml,
// the files it writes, and the exit codes of bad input.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "cli_run.h"
#include "common/test_utils.h"
#include "glip/app/glip_config.h"
#include "glip/config/config.h"
#include "glip/core/fs.h"
#include "glip/io/safetensors.h"
#include "glip/modeling/checkpoint.h"
#include "glip/modeling/model_config.h"

namespace {
namespace fs = std::filesystem;

using glip::test::RunResult;

RunResult run(const std::string& exe, const std::string& args) { return glip::test::run_tool(exe, args); }

const std::string kConfig = std::string(GLIP_SOURCE_DIR) + "/configs/tiny_synthetic.yaml";
const char* kSmall =
    " --set data.min_size_train=[64] --set data.max_size_train=64 --set solver.ims_per_batch=2"
    " --set solver.log_period=1 --set num_threads=1";

// glip_train on two local Gloo ranks, as a user launches it.
const std::string kTwoRanks = std::string(GLIP_SOURCE_DIR) + "/scripts/launch_local.sh 2 ";

const std::string& world() {
  static const std::string dir =
      glip::test::render_world(GLIP_SYNTH_EXE, "train_cli_world",
                               "--seed 2 --set world.image_size=64"
                               " --set world.gold_det_images=4 --set world.gold_grounding_images=4"
                               " --set world.web_images=2 --set world.web_shard_size=2"
                               " --set world.eval_coco_images=2 --set world.eval_flickr_images=2"
                               " --set world.eval_lvis_images=2");
  return dir;
}

TEST(TrainCli, TrainsTheTinyConfigAndWritesLoadableWeights) {
  const std::string work = glip::test::temp_dir("train_cli_work") + "/run";
  setenv("GLIP_DATA_ROOT", world().c_str(), 1);  // the data root from the environment
  RunResult r = run(GLIP_TRAIN_EXE, "--config " + kConfig + kSmall +
                                        " --set solver.max_iter=3 --set solver.checkpoint_period=2 --work-dir " + work);
  unsetenv("GLIP_DATA_ROOT");
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("trained iterations 0..3"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("loss_dot_product_token"), std::string::npos) << r.output;  // the progress line
  for (const char* f : {"model_final.safetensors", "model_0000002.safetensors", "model_0000003.safetensors",
                        "last_checkpoint", "metrics.jsonl", "loss_curves.png", "config.yaml", "log.txt"})
    EXPECT_TRUE(fs::exists(work + "/" + f)) << f;
  std::ifstream metrics(work + "/metrics.jsonl");
  int lines = 0;
  for (std::string l; std::getline(metrics, l);) lines += l.find("\"loss\"") != std::string::npos;
  EXPECT_EQ(lines, 3);
  // The weights load strictly into the model the saved config describes.
  glip::app::GlipConfig cfg;
  glip::config::load_file(cfg, work + "/config.yaml");
  glip::modeling::GlipModel model = glip::modeling::build_model(cfg.model);
  const auto rec = glip::modeling::load_checkpoint(*model, work + "/model_final.safetensors");
  EXPECT_EQ(rec.training_state.at("iteration"), "3");

  // A finished run is not overwritten without --resume; with it, a longer schedule continues from iteration 3.
  r = run(GLIP_TRAIN_EXE,
          "--config " + kConfig + kSmall + " --set solver.max_iter=3 --data-root " + world() + " --work-dir " + work);
  EXPECT_EQ(r.code, 2) << r.output;
  EXPECT_NE(r.output.find("--resume"), std::string::npos) << r.output;
  r = run(GLIP_TRAIN_EXE, "--config " + kConfig + kSmall + " --set solver.max_iter=4 --data-root " + world() +
                              " --work-dir " + work + " --resume");
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("trained iterations 3..4"), std::string::npos) << r.output;

  // Fine-tuning from those weights: --weights is model.weight, and the saved config records it.
  const std::string tuned = work + "_tuned";
  r = run(GLIP_TRAIN_EXE, "--config " + kConfig + kSmall + " --set solver.max_iter=1 --data-root " + world() +
                              " --work-dir " + tuned + " --weights " + work + "/model_final.safetensors");
  ASSERT_EQ(r.code, 0) << r.output;
  glip::app::GlipConfig tuned_cfg;
  glip::config::load_file(tuned_cfg, tuned + "/config.yaml");
  EXPECT_EQ(tuned_cfg.model.weight, work + "/model_final.safetensors");
}

// Data-parallel glip_train as users start it (scripts/launch_local.sh sets the torchrun variables): two ranks
// split the global batch of 2, gradients are averaged over Gloo, and only rank 0 writes the work folder.
TEST(TrainCli, TwoRanksTrainTogetherAndRankZeroWritesTheWeights) {
  const std::string work = glip::test::temp_dir("train_cli_ranks") + "/run";
  const RunResult r = run(kTwoRanks + GLIP_TRAIN_EXE, "--config " + kConfig + kSmall +
                                                          " --set solver.max_iter=2 --set solver.checkpoint_period=2" +
                                                          " --data-root " + world() + " --work-dir " + work);
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("2 images per step (1 per rank and micro-step)"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("[rank 0] trained iterations 0..2"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("[rank 1] trained iterations"), std::string::npos) << r.output;  // rank 0 reports
  std::ifstream metrics(work + "/metrics.jsonl");
  int lines = 0;
  for (std::string l; std::getline(metrics, l);) lines += l.find("\"loss\"") != std::string::npos;
  EXPECT_EQ(lines, 2);  // one writer: no line twice
  glip::app::GlipConfig cfg;
  glip::config::load_file(cfg, work + "/config.yaml");
  glip::modeling::GlipModel model = glip::modeling::build_model(cfg.model);
  const auto rec = glip::modeling::load_checkpoint(*model, work + "/model_final.safetensors");
  EXPECT_EQ(rec.training_state.at("iteration"), "2");
}

TEST(TrainCli, TwoRanksEvaluateBeforeAndAfterAlikeAndRankZeroWritesTheReport) {
  const std::string work = glip::test::temp_dir("train_cli_ranks_ft") + "/run";
  const RunResult r = run(kTwoRanks + GLIP_TRAIN_EXE,
                          "--config " + kConfig + kSmall + " --set solver.max_iter=2 --set solver.checkpoint_period=2" +
                              " --set finetune.eval_before_after=true --set finetune.datasets=[synth_coco]" +
                              " --data-root " + world() + " --work-dir " + work);
  ASSERT_EQ(r.code, 0) << r.output;
  const auto report = nlohmann::json::parse(glip::read_file(work + "/finetune_report.json"));
  ASSERT_FALSE(report["rows"].empty()) << report.dump();
  EXPECT_EQ(report["rows"][0]["dataset"], "synth_coco");
  EXPECT_EQ(report["rows"][0]["metric"], "AP");
  EXPECT_EQ(report["iterations"], 2);
  // Every rank evaluates (no rank idles through a collective's timeout); rank 1 keeps its files apart, and with
  // the same weights on both ranks the numbers agree.
  for (const char* stage : {"before", "after"}) {
    const std::string r0 = work + "/finetune_eval/" + stage + "/synth_coco/metrics.json";
    const std::string r1 = work + "/finetune_eval/rank1/" + stage + "/synth_coco/metrics.json";
    ASSERT_TRUE(std::filesystem::exists(r0)) << r0;
    ASSERT_TRUE(std::filesystem::exists(r1)) << r1;
    const auto m0 = nlohmann::json::parse(glip::read_file(r0)), m1 = nlohmann::json::parse(glip::read_file(r1));
    EXPECT_EQ(m0["metrics"], m1["metrics"]) << stage;
  }
  EXPECT_FALSE(std::filesystem::exists(work + "/finetune_eval/rank1/finetune_report.json"));
}

// solver.eval_period: evaluation during training writes each dataset's headline metric into metrics.jsonl and
// the curves, and leaves the training itself untouched (the same final weights as without it).
TEST(TrainCli, PeriodicEvaluationLogsMetricsAndLeavesTrainingUnchanged) {
  const std::string root = glip::test::temp_dir("train_cli_eval_period");
  const std::string args = "--config " + kConfig + kSmall +
                           " --set solver.max_iter=4 --set solver.checkpoint_period=4 --data-root " + world();
  RunResult r = run(GLIP_TRAIN_EXE, args + " --set solver.eval_period=2 --work-dir " + root + "/eval");
  ASSERT_EQ(r.code, 0) << r.output;
  r = run(GLIP_TRAIN_EXE, args + " --work-dir " + root + "/plain");
  ASSERT_EQ(r.code, 0) << r.output;
  // Same tensors (the files' metadata differ: each records its own config).
  const auto a = glip::io::load_safetensors(root + "/eval/model_final.safetensors");
  const auto b = glip::io::load_safetensors(root + "/plain/model_final.safetensors");
  ASSERT_EQ(a.tensors.size(), b.tensors.size());
  for (const auto& [name, t] : a.tensors) {
    ASSERT_TRUE(b.tensors.count(name)) << name;
    EXPECT_TRUE(at::equal(t, b.tensors.at(name))) << name;
  }
  std::vector<int64_t> evaluated;
  std::istringstream lines(glip::read_file(root + "/eval/metrics.jsonl"));
  std::string line;
  while (std::getline(lines, line)) {
    const auto j = nlohmann::json::parse(line);
    if (!j.contains("eval")) continue;
    evaluated.push_back(j["iteration"].get<int64_t>());
    for (const char* k : {"synth_coco/AP", "synth_lvis/AP", "synth_flickr/recall/1/all"})
      EXPECT_TRUE(j["eval"].contains(k)) << line;
  }
  EXPECT_EQ(evaluated, (std::vector<int64_t>{2, 4}));
  EXPECT_TRUE(fs::exists(root + "/eval/eval/iter_2/synth_coco/metrics.json"));
  EXPECT_TRUE(fs::exists(root + "/eval/metric_curves.png"));
  EXPECT_FALSE(fs::exists(root + "/plain/eval"));
}

TEST(TrainCli, BadInputExitsTwoNamingTheProblem) {
  const std::string work = glip::test::temp_dir("train_cli_bad");
  RunResult r = run(GLIP_TRAIN_EXE, "--config " + kConfig + " --set solver.base_lrr=1 --work-dir " + work);
  EXPECT_EQ(r.code, 2) << r.output;
  EXPECT_NE(r.output.find("unknown key 'solver.base_lrr' (did you mean 'solver.base_lr'?)"), std::string::npos)
      << r.output;
  const std::string empty = glip::test::temp_dir("train_cli_empty_root");
  r = run(GLIP_TRAIN_EXE, "--config " + kConfig + " --data-root " + empty + " --work-dir " + work + "/m");
  EXPECT_EQ(r.code, 2) << r.output;
  EXPECT_NE(r.output.find("file '" + empty + "/gold_grounding/mdetr.json' does not exist"), std::string::npos)
      << r.output;
  r = run(GLIP_TRAIN_EXE, "--config " + kConfig + " --frobnicate");
  EXPECT_EQ(r.code, 64) << r.output;
}

}  // namespace
