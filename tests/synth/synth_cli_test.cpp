// glip_synth as a user runs it: exit codes, messages, files.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <sys/wait.h>

#include "common/test_utils.h"
#include "glip/core/fs.h"

namespace {

struct RunResult {
  int code = -1;
  std::string output;
};

RunResult run(const std::string& args) {
  const std::string dir = glip::test::temp_dir("synth_cli");
  const std::string cmd = std::string(GLIP_SYNTH_EXE) + " " + args + " > " + dir + "/out.txt 2>&1";
  const int status = std::system(cmd.c_str());
  RunResult r;
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.output = glip::read_file(dir + "/out.txt");
  return r;
}

TEST(SynthCli, MissingOutIsAUsageError) {
  RunResult r = run("--seed 1");
  EXPECT_EQ(r.code, 64) << r.output;
  EXPECT_NE(r.output.find("--out"), std::string::npos) << r.output;
}

const char* kTiny =
    " --set world.image_size=64 --set world.gold_det_images=6 --set world.gold_grounding_images=6"
    " --set world.web_images=7 --set world.web_shard_size=3 --set world.eval_coco_images=4"
    " --set world.eval_flickr_images=4 --set world.eval_lvis_images=4";

TEST(SynthCli, RendersTheConfiguredWorldAndPrintsStatistics) {
  const std::string out = glip::test::temp_dir("synth_cli_world") + "/w";
  RunResult r = run("--out " + out + " --seed 3 --config " + std::string(GLIP_SOURCE_DIR) +
                    "/configs/synthetic_world.yaml" + kTiny);
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("synthetic world: seed 3"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("gold_grounding        6"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("preview: " + out + "/preview.png"), std::string::npos) << r.output;
  EXPECT_TRUE(std::filesystem::exists(out + "/world.json"));
  EXPECT_TRUE(std::filesystem::exists(out + "/eval/lvis/lvis_v1_val.json"));
  EXPECT_TRUE(std::filesystem::exists(out + "/web/web-000002.tar"));  // 7 samples, 3 per shard
  EXPECT_FALSE(std::filesystem::exists(out + "/web/web-000003.tar"));
}

TEST(SynthCli, DumpConfigShowsTheWorldSection) {
  RunResult r = run("--dump-config --set world.image_size=96");
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("world:"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("image_size: 96"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("heldout:"), std::string::npos) << r.output;
}

TEST(SynthCli, BadConfigValuesAreOneInputError) {
  const std::string out = glip::test::temp_dir("synth_cli_bad") + "/w";
  RunResult r =
      run("--out " + out + " --set world.image_size=8 --set world.imagesize=3 --set world.shapes=[circle,blob]");
  EXPECT_EQ(r.code, 2) << r.output;
  EXPECT_NE(r.output.find("world.image_size"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("world.imagesize"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("blob"), std::string::npos) << r.output;
  EXPECT_FALSE(std::filesystem::exists(out));
  // Rules across keys are checked too, before anything is written.
  r = run("--out " + out +
          " --set world.min_objects=5 --set world.max_objects=2 --set 'world.heldout=[green unicorn]'");
  EXPECT_EQ(r.code, 2) << r.output;
  EXPECT_NE(r.output.find("world.max_objects: must be >= world.min_objects (5), got 2"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("word 'unicorn'"), std::string::npos) << r.output;
  EXPECT_FALSE(std::filesystem::exists(out));
}

}  // namespace
