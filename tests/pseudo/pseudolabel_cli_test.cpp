// glip_pseudolabel end to end with a tiny random-weight teacher: output shards the data reader takes, the
// manifest, a rerun that skips finished shards, rank split through RANK/WORLD_SIZE, and its input errors.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "common/test_utils.h"
#include "glip/config/config.h"
#include "glip/core/fs.h"
#include "glip/core/sha256.h"
#include "glip/data/readers.h"
#include "glip/io/tar.h"
#include "glip/modeling/checkpoint.h"
#include "glip/modeling/model_config.h"
#include "pseudo/pseudo_test_util.h"

namespace glip::pseudo {
namespace {
namespace fs = std::filesystem;

struct ModelOnly {
  modeling::ModelConfig model;
  void visit(config::Visitor& v) { v.section("model", model, ""); }
};

int run(const std::string& args, const std::string& env = "") {
  const std::string cmd = env + " " + GLIP_PSEUDOLABEL_EXE + " " + args + " > /dev/null 2>&1";
  const int status = std::system(cmd.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST(GlipPseudolabelCli, LabelsResumesSplitsAndRefusesBadInput) {
  const std::string dir = glip::test::temp_dir("pseudo_cli");
  auto shards = test::make_shards(dir, 3, 5);
  // The tiny model, random weights, saved as a project checkpoint.
  const std::string cfg = std::string(GLIP_SOURCE_DIR) + "/configs/model/glip_tiny.yaml";
  ModelOnly m;
  config::load_file(m, cfg, {});
  auto model = modeling::build_model(m.model);
  modeling::save_checkpoint(dir + "/teacher.safetensors", *model, {});
  const std::string common = "--config " + cfg + " --checkpoint " + dir + "/teacher.safetensors --set num_threads=1" +
                             " --set data.min_size_test=[64] --set data.max_size_test=96 --set model.inference_th=0.0" +
                             " --set pseudo.threshold=0.0 --set pseudo.batch_size=2 --set work_dir=" + dir + "/work";
  ASSERT_EQ(run(common + " --input " + dir + " --out " + dir + "/out"), 0);
  auto mf = nlohmann::json::parse(read_file(dir + "/out/manifest.json"));
  EXPECT_TRUE(mf["complete"].get<bool>());
  EXPECT_EQ(mf["totals"]["samples"], 15);
  EXPECT_EQ(mf["teacher"]["sha256"], sha256_file(dir + "/teacher.safetensors"));
  EXPECT_EQ(mf["totals"]["skipped"]["corrupt_image"], 1);
  const int64_t written = mf["totals"]["written"];
  EXPECT_GT(written, 0);
  auto set = data::read_pseudo_shards(
      {dir + "/out/web-000000.jsonl", dir + "/out/web-000001.jsonl", dir + "/out/web-000002.jsonl"}, {0.0f, 1});
  EXPECT_EQ(static_cast<int64_t>(set.records.size()), written);
  const auto first = read_file(dir + "/out/web-000001.jsonl");
  // Rerun: everything is finished; nothing changes.
  ASSERT_EQ(run(common + " --input " + dir + " --out " + dir + "/out"), 0);
  EXPECT_EQ(read_file(dir + "/out/web-000001.jsonl"), first);
  // Two ranks from the torchrun variables give the same shards.
  for (int rank : {1, 0})
    ASSERT_EQ(run(common + " --input " + shards[0] + " " + shards[1] + " " + shards[2] + " --out " + dir + "/split",
                  "RANK=" + std::to_string(rank) + " WORLD_SIZE=2"),
              0);
  EXPECT_FALSE(fs::exists(dir + "/out/web-000001.jsonl.tmp"));
  EXPECT_EQ(read_file(dir + "/split/web-000001.jsonl"), first);
  EXPECT_TRUE(nlohmann::json::parse(read_file(dir + "/split/manifest.json"))["complete"].get<bool>());
  // Another threshold into the same folder is refused; bad inputs exit 2, usage errors 64.
  EXPECT_EQ(run(common + " --set pseudo.threshold=0.3 --input " + dir + " --out " + dir + "/out"), 2);
  EXPECT_EQ(run(common + " --input " + dir + "/missing.tar --out " + dir + "/o2"), 2);
  EXPECT_EQ(
      run("--config " + cfg + " --checkpoint " + dir + "/nope.safetensors --input " + dir + " --out " + dir + "/o3"),
      2);
  EXPECT_EQ(run(common + " --set pseudo.nms=maybe --input " + dir + " --out " + dir + "/o4"), 2);
  EXPECT_EQ(run(common + " --out " + dir + "/o5"), 64);
}

// Issue #19: a valid image of extreme aspect ratio used to stop the whole run (no shard labelled), and a key
// with a caption but no image was neither labelled nor counted. Both are counted now, with the real teacher.
TEST(GlipPseudolabelCli, ExtremeImagesAndImagelessKeysAreCountedNotFatal) {
  const std::string dir = glip::test::temp_dir("pseudo_cli_extreme");
  io::TarBuilder tar;
  tar.add("wide.jpg", test::test_jpeg(1, 5000, 1));
  tar.add("wide.txt", "a thin red line.");
  tar.add("tall.jpg", test::test_jpeg(2, 3, 4000));
  tar.add("tall.txt", "a tall blue pole.");
  tar.add("plain.jpg", test::test_jpeg(3));
  tar.add("plain.txt", "a small green star.");
  tar.add("lonely.txt", "a caption whose image is missing.");
  fs::create_directories(dir + "/in");
  write_file_atomic(dir + "/in/web-000000.tar", tar.finish());
  const std::string cfg = std::string(GLIP_SOURCE_DIR) + "/configs/model/glip_tiny.yaml";
  ModelOnly m;
  config::load_file(m, cfg, {});
  modeling::save_checkpoint(dir + "/teacher.safetensors", *modeling::build_model(m.model), {});
  // The default max_size_test (1333) is kept, so the extreme images scale exactly as in a default run (to 1x1333
  // and 1333x1). min_size_test 64 and one image per batch keep the run small: the default 800 upscaled the 40x30
  // image to 800x1066, and batching the wide image with the tall one padded both to 1344x1344 (the test took 134 s).
  ASSERT_EQ(
      run("--config " + cfg + " --checkpoint " + dir + "/teacher.safetensors --set num_threads=1" +
          " --set data.min_size_test=[64] --set model.inference_th=0.0 --set pseudo.threshold=0.0" +
          " --set pseudo.batch_size=1 --set work_dir=" + dir + "/work --input " + dir + "/in --out " + dir + "/out"),
      0);
  const auto totals = nlohmann::json::parse(read_file(dir + "/out/manifest.json"))["totals"];
  EXPECT_EQ(totals["samples"], 4) << totals.dump();
  EXPECT_EQ(totals["skipped"]["no_image"], 1) << totals.dump();
  // The three images are labelled (or, were the model unable to take one, counted as unusable): none is lost.
  EXPECT_EQ(totals["labelled"].get<int64_t>() + totals["skipped"]["unusable_image"].get<int64_t>(), 3) << totals.dump();
  EXPECT_EQ(totals["skipped"]["corrupt_image"], 0) << totals.dump();
}

}  // namespace
}  // namespace glip::pseudo
