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

TEST(SynthCli, RendersTheDefaultWorldAndPrintsStatistics) {
  const std::string out = glip::test::temp_dir("synth_cli_world") + "/w";
  RunResult r = run("--out " + out + " --seed 3");
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("gold_grounding"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("preview: " + out + "/preview.png"), std::string::npos) << r.output;
  EXPECT_TRUE(std::filesystem::exists(out + "/world.json"));
  EXPECT_TRUE(std::filesystem::exists(out + "/eval/lvis/lvis_v1_val.json"));
  EXPECT_TRUE(std::filesystem::exists(out + "/web/web-000003.tar"));
}

}  // namespace
