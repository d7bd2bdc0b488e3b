// glip_train and glip_pseudolabel under torchrun, the launcher most users type, unchanged: two ranks give the same
// weights and the same pseudo-labels as two ranks of scripts/launch_local.sh. torchrun's default (static)
// rendezvous serves its own store on MASTER_PORT (TORCHELASTIC_USE_AGENT_STORE=True); glip's rank 0 used to start
// a second one there and fail ("Address already in use"). Skipped, saying so, where no Python with
// torch.distributed.run is installed (python3-torch: a test-only dependency, scripts/setup.sh --test).
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "../engine/child_process.h"
#include "cli_run.h"
#include "common/test_utils.h"
#include "glip/core/fs.h"
#include "glip/io/safetensors.h"

namespace {
namespace fs = std::filesystem;
using glip::test::RunResult;

const std::string kConfig = std::string(GLIP_SOURCE_DIR) + "/configs/tiny_synthetic.yaml";
const std::string kLaunchLocal = std::string(GLIP_SOURCE_DIR) + "/scripts/launch_local.sh 2 ";

/** A Python whose torch has the elastic launcher: $GLIP_TORCHRUN_PYTHON when set, else Debian's /usr/bin/python3
 *  or python3 on the PATH. */
std::string torchrun_python() {
  std::vector<std::string> candidates = {"/usr/bin/python3", "python3"};
  if (const char* p = std::getenv("GLIP_TORCHRUN_PYTHON")) candidates = {p};
  for (const auto& py : candidates)
    if (std::system((py + " -c 'import torch.distributed.run' > /dev/null 2>&1").c_str()) == 0) return py;
  return "";
}

/** torchrun with two local workers, as a user types it. Debian's torch 1.13 launcher on Python 3.11 crashes in
 *  its own argument handling without --redirects/--tee (its bug), so both are given. */
std::string torchrun(const std::string& python, const std::string& log_dir) {
  return python + " -m torch.distributed.run --nproc_per_node 2 --master_port " +
         std::to_string(glip::engine::test::free_port()) + " --log_dir " + log_dir +
         " --redirects 1 --tee 1 --no_python ";
}

std::map<std::string, at::Tensor> weights(const std::string& work) {
  return glip::io::load_safetensors(work + "/model_final.safetensors").tensors;
}

TEST(LaunchCli, TorchrunTrainsAndPseudoLabelsAsLaunchLocal) {
  const std::string python = torchrun_python();
  if (python.empty())
    GTEST_SKIP() << "torchrun not run: no python3 with torch.distributed.run (install python3-torch, or set "
                    "GLIP_TORCHRUN_PYTHON to a Python with torch); scripts/setup.sh --test installs it";
  const std::string dir = glip::test::temp_dir("launch_cli");
  const std::string world = glip::test::render_world(
      GLIP_SYNTH_EXE, "launch_cli_world",
      "--seed 3 --set world.image_size=64 --set world.gold_det_images=4 --set world.gold_grounding_images=4"
      " --set world.web_images=4 --set world.web_shard_size=2 --set world.eval_coco_images=2"
      " --set world.eval_flickr_images=2 --set world.eval_lvis_images=2");
  const std::string train = " --config " + kConfig +
                            " --set data.min_size_train=[64] --set data.max_size_train=64 --set solver.ims_per_batch=2"
                            " --set solver.log_period=1 --set num_threads=1 --set solver.max_iter=2"
                            " --set solver.checkpoint_period=2 --data-root " +
                            world + " --work-dir ";
  RunResult local = glip::test::run_tool(kLaunchLocal + GLIP_TRAIN_EXE, train + dir + "/local");
  ASSERT_EQ(local.code, 0) << local.output;
  RunResult elastic =
      glip::test::run_tool(torchrun(python, dir + "/logs_train") + GLIP_TRAIN_EXE, train + dir + "/torchrun");
  ASSERT_EQ(elastic.code, 0) << elastic.output;
  EXPECT_NE(elastic.output.find("keys under /worker/attempt_0"), std::string::npos) << elastic.output;
  EXPECT_NE(elastic.output.find("trained iterations 0..2"), std::string::npos) << elastic.output;
  const auto a = weights(dir + "/local"), b = weights(dir + "/torchrun");
  ASSERT_EQ(a.size(), b.size());
  for (const auto& [name, t] : a) EXPECT_TRUE(t.equal(b.at(name))) << name;

  // The trained weights as the teacher; each rank labels one of the two web shards.
  const std::string label = " --config " + kConfig + " --checkpoint " + dir + "/local/model_final.safetensors" +
                            " --set num_threads=1 --set data.min_size_test=[64] --set data.max_size_test=96" +
                            " --set model.inference_th=0.0 --set pseudo.threshold=0.0 --input " + world + "/web --out ";
  local = glip::test::run_tool(kLaunchLocal + GLIP_PSEUDOLABEL_EXE, label + dir + "/pseudo_local");
  ASSERT_EQ(local.code, 0) << local.output;
  elastic = glip::test::run_tool(torchrun(python, dir + "/logs_pseudo") + GLIP_PSEUDOLABEL_EXE,
                                 label + dir + "/pseudo_torchrun");
  ASSERT_EQ(elastic.code, 0) << elastic.output;
  EXPECT_NE(elastic.output.find("rank 1/2"), std::string::npos) << elastic.output;
  int shards = 0;
  for (const auto& e : fs::directory_iterator(dir + "/pseudo_local")) {
    if (e.path().extension() != ".jsonl") continue;
    ++shards;
    const std::string other = dir + "/pseudo_torchrun/" + e.path().filename().string();
    ASSERT_TRUE(fs::exists(other)) << other;
    EXPECT_EQ(glip::read_file(e.path().string()), glip::read_file(other)) << other;
  }
  EXPECT_EQ(shards, 2);
  const auto manifest = nlohmann::json::parse(glip::read_file(dir + "/pseudo_torchrun/manifest.json"));
  EXPECT_TRUE(manifest["complete"].get<bool>()) << manifest.dump();
  EXPECT_EQ(manifest["totals"]["samples"], 4) << manifest.dump();
}

}  // namespace
