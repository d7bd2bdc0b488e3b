// Label cli: glip_eval in model mode and glip_infer on a tiny synthetic world with a tiny random-init GLIP
// (configs/model/glip_tiny.yaml) saved as a project checkpoint. Checks the results and metrics files, the
// reproducibility record, that chunked evaluation reusing the backbone features gives exactly the detections
// of recomputing them per chunk, and the error paths (exit 2 naming the bad input).
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "common/test_utils.h"
#include "glip/app/glip_config.h"
#include "glip/config/config.h"
#include "glip/core/fs.h"
#include "glip/core/sha256.h"
#include "glip/modeling/checkpoint.h"
#include "glip/modeling/model_config.h"

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

struct Proc {
  int code;
  std::string out, err;
};

Proc exec(const std::string& exe, const std::string& args) {
  const std::string dir = glip::test::temp_dir("model_eval_cli");
  const std::string cmd = exe + " " + args + " > " + dir + "/stdout.txt 2> " + dir + "/stderr.txt";
  const int status = std::system(cmd.c_str());
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, glip::read_file(dir + "/stdout.txt"),
          glip::read_file(dir + "/stderr.txt")};
}

json read_json(const std::string& path) { return json::parse(glip::read_file(path)); }

class ModelEvalCli : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    root_ = new std::string(glip::test::temp_dir("model_eval_world"));
    const std::string& r = *root_;
    // A tiny world: 64-pixel images, a few evaluation images, no training splits.
    const Proc synth =
        exec(GLIP_SYNTH_EXE,
             "--out " + r +
                 "/world --seed 3 --set world.image_size=64 --set world.gold_det_images=4 "
                 "--set world.gold_grounding_images=4 --set world.web_images=0 --set world.eval_coco_images=3 "
                 "--set world.eval_lvis_images=3 --set world.eval_flickr_images=2 --set world.preview_samples=1 "
                 "--set world.min_object_frac=0.2 --set world.max_object_frac=0.45");
    ASSERT_EQ(synth.code, 0) << synth.err << synth.out;
    // A random-init tiny GLIP saved as a project checkpoint.
    glip::app::GlipConfig cfg;
    glip::config::load_file(cfg, std::string(GLIP_SOURCE_DIR) + "/configs/model/glip_tiny.yaml");
    torch::manual_seed(0);
    auto model = glip::modeling::build_model(cfg.model);
    glip::modeling::CheckpointRecord rec;
    rec.config_yaml = glip::config::dump(cfg);
    glip::modeling::save_checkpoint(r + "/tiny.safetensors", *model, rec);
    // The eval config: the tiny model at the images' own size; inference_th 0 keeps the low scores of random
    // weights so that the results are not empty.
    std::ofstream(r + "/eval.yaml")
        << "_base_: " << GLIP_SOURCE_DIR << "/configs/model/glip_tiny.yaml\n"
        << "num_threads: 1\nwork_dir: " << r << "/work\n"
        << "model: {inference_th: 0.0}\n"
        << "data: {min_size_test: [64], max_size_test: 64}\n"
        << "test: {ims_per_batch: 2}\n"
        << "eval:\n  datasets:\n"
        << "    - {name: synth_coco, protocol: coco, annotation: eval/coco/instances.json, image_root: "
           "eval/coco/images}\n"
        << "    - {name: synth_coco8, protocol: coco, annotation: eval/coco/instances.json, image_root: "
           "eval/coco/images,"
           " chunk_size: 3}\n"
        << "    - {name: synth_lvis, protocol: lvis_fixed, annotation: eval/lvis/lvis_v1_val.json,"
           " image_root: eval/lvis/images, chunk_size: 16}\n"
        << "    - {name: synth_lvis_std, protocol: lvis, annotation: eval/lvis/lvis_v1_val.json,"
           " image_root: eval/lvis/images}\n"
        << "    - {name: synth_flickr, protocol: flickr, annotation: eval/flickr/final_flickr_separateGT_test.json,"
           " image_root: eval/flickr/images, flickr_root: eval/flickr}\n"
        << "    - {name: synth_odinw, protocol: odinw, members: [synth_coco, synth_coco8]}\n"
        << "    - {name: lvis_on_coco, protocol: lvis, annotation: eval/coco/instances.json,"
           " image_root: eval/coco/images}\n";
  }
  static void TearDownTestSuite() { delete root_; }

  static std::string eval_args(const std::string& dataset, const std::string& out, const std::string& extra = "") {
    return "--config " + *root_ + "/eval.yaml --checkpoint " + *root_ + "/tiny.safetensors --dataset " + dataset +
           " --data-root " + *root_ + "/world --out " + out + " " + extra;
  }
  static std::string infer_args(const std::string& extra) {
    return "--config " + *root_ + "/eval.yaml --checkpoint " + *root_ + "/tiny.safetensors " + extra;
  }
  static std::string* root_;
};
std::string* ModelEvalCli::root_ = nullptr;

TEST_F(ModelEvalCli, CocoWritesResultsAndMetricsWithAReproducibilityRecord) {
  const std::string out = glip::test::temp_dir("me_coco");
  const Proc r = exec(GLIP_EVAL_BIN, eval_args("synth_coco", out));
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("Average Precision"), std::string::npos) << r.out;
  EXPECT_NE(r.err.find("images/s"), std::string::npos) << "progress line: " << r.err;
  const json res = read_json(out + "/synth_coco/results.json");
  ASSERT_TRUE(res.is_array());
  ASSERT_FALSE(res.empty());
  const json gt = read_json(*root_ + "/world/eval/coco/instances.json");
  std::set<int64_t> image_ids, cat_ids;
  for (const auto& im : gt["images"]) image_ids.insert(im["id"].get<int64_t>());
  for (const auto& c : gt["categories"]) cat_ids.insert(c["id"].get<int64_t>());
  for (const auto& d : res) {
    EXPECT_TRUE(image_ids.count(d["image_id"].get<int64_t>()));
    EXPECT_TRUE(cat_ids.count(d["category_id"].get<int64_t>()));
    ASSERT_EQ(d["bbox"].size(), 4u);
    EXPECT_GE(d["bbox"][2].get<double>(), 1.0);  // w = x2 - x1 + 1 (maskrcnn_benchmark's xywh)
    EXPECT_GE(d["score"].get<double>(), 0.0);
    EXPECT_LE(d["score"].get<double>(), 1.0);
  }
  const json m = read_json(out + "/synth_coco/metrics.json");
  EXPECT_EQ(m["protocol"], "coco");
  EXPECT_EQ(m["images"], 3);
  EXPECT_GE(m["metrics"]["AP"].get<double>(), 0.0);
  EXPECT_GT(m["images_per_second"].get<double>(), 0.0);
  // The metrics keep the COCO summary's order (AP, AP50, AP75, APs, APm, APl, AR1, ...), not alphabetical.
  std::vector<std::string> keys;
  const auto om = nlohmann::ordered_json::parse(glip::read_file(out + "/synth_coco/metrics.json"))["metrics"];
  for (const auto& item : om.items()) keys.push_back(item.key());
  ASSERT_GE(keys.size(), 7u);
  EXPECT_EQ(std::vector<std::string>(keys.begin(), keys.begin() + 7),
            (std::vector<std::string>{"AP", "AP50", "AP75", "APs", "APm", "APl", "AR1"}));
  const json& rec = m["reproducibility"];
  EXPECT_EQ(rec["checkpoint_sha256"], glip::sha256_file(*root_ + "/tiny.safetensors"));
  EXPECT_EQ(rec["annotation_sha256"], glip::sha256_file(*root_ + "/world/eval/coco/instances.json"));
  EXPECT_EQ(rec["device"], "cpu");
  EXPECT_EQ(rec["chunk_size"], -1);
  EXPECT_EQ(rec["prompts"], 1);
  EXPECT_EQ(rec["config_sha256"].get<std::string>().size(), 64u);
  for (const char* k : {"glip_version", "git_sha", "torch_version", "model"}) EXPECT_TRUE(rec.contains(k)) << k;
  // The file glip_eval wrote scores the same with the scoring subcommand.
  const Proc rescore = exec(GLIP_EVAL_BIN, "coco --gt " + *root_ + "/world/eval/coco/instances.json --results " + out +
                                               "/synth_coco/results.json --out " + out + "/rescored.json");
  ASSERT_EQ(rescore.code, 0) << rescore.err;
  EXPECT_EQ(read_json(out + "/rescored.json")["AP"], m["metrics"]["AP"]);
}

TEST_F(ModelEvalCli, ChunkedLvisWithFeatureReuseEqualsRecomputingFeaturesPerChunk) {
  const std::string a = glip::test::temp_dir("me_lvis_reuse"), b = glip::test::temp_dir("me_lvis_noreuse");
  const Proc ra = exec(GLIP_EVAL_BIN, eval_args("synth_lvis", a));
  ASSERT_EQ(ra.code, 0) << ra.err;
  const Proc rb = exec(GLIP_EVAL_BIN, eval_args("synth_lvis", b, "--no-feature-reuse"));
  ASSERT_EQ(rb.code, 0) << rb.err;
  const json m = read_json(a + "/synth_lvis/metrics.json");
  EXPECT_EQ(m["reproducibility"]["prompts"], 4);  // 64 colour x shape categories in chunks of 16
  EXPECT_TRUE(m["metrics"]["fixed_ap"].get<bool>());
  EXPECT_FALSE(read_json(b + "/synth_lvis/metrics.json")["reproducibility"]["feature_reuse"].get<bool>());
  const std::string res_a = glip::read_file(a + "/synth_lvis/results.json");
  ASSERT_GT(read_json(a + "/synth_lvis/results.json").size(), 100u);
  EXPECT_EQ(res_a, glip::read_file(b + "/synth_lvis/results.json"));
  // Detections of every chunk are present (labels spread over the chunks).
  std::set<int64_t> chunks;
  for (const auto& d : read_json(a + "/synth_lvis/results.json"))
    chunks.insert((d["category_id"].get<int64_t>() - 1) / 16);
  EXPECT_EQ(chunks.size(), 4u);
  // The standard protocol defaults to chunks of 40.
  const Proc rs = exec(GLIP_EVAL_BIN, eval_args("synth_lvis_std", a));
  ASSERT_EQ(rs.code, 0) << rs.err;
  const json ms = read_json(a + "/synth_lvis_std/metrics.json");
  EXPECT_EQ(ms["reproducibility"]["chunk_size"], 40);
  EXPECT_EQ(ms["reproducibility"]["prompts"], 2);
  EXPECT_TRUE(ms["metrics"].contains("APr"));
}

TEST_F(ModelEvalCli, FlickrWritesMdetrPredictionsAndRecall) {
  const std::string out = glip::test::temp_dir("me_flickr");
  const Proc r = exec(GLIP_EVAL_BIN, eval_args("synth_flickr", out));
  ASSERT_EQ(r.code, 0) << r.err;
  const json res = read_json(out + "/synth_flickr/results.json");
  const json mdetr = read_json(*root_ + "/world/eval/flickr/final_flickr_separateGT_test.json");
  ASSERT_EQ(res.size(), mdetr["images"].size());
  for (size_t i = 0; i < res.size(); ++i) {
    EXPECT_EQ(res[i]["sentence_id"], mdetr["images"][i]["sentence_id"]);
    ASSERT_EQ(res[i]["boxes"].size(), mdetr["images"][i]["tokens_positive_eval"].size());
    for (const auto& phrase : res[i]["boxes"]) {
      ASSERT_GE(phrase.size(), 1u);
      EXPECT_EQ(phrase.back(), json({0.0, 0.0, 0.0, 0.0}));  // official flickr_post_process sentinel
    }
  }
  const json m = read_json(out + "/synth_flickr/metrics.json");
  for (const char* k : {"1", "5", "10", "any"}) {
    const double all = m["metrics"]["recall"][k]["all"].get<double>();
    EXPECT_GE(all, 0.0);
    EXPECT_LE(all, 1.0);
  }
  EXPECT_EQ(m["images"], res.size());
}

TEST_F(ModelEvalCli, OdinwReportsEachMemberAndTheMeanAp) {
  const std::string out = glip::test::temp_dir("me_odinw");
  const Proc r = exec(GLIP_EVAL_BIN, eval_args("synth_odinw", out));
  ASSERT_EQ(r.code, 0) << r.err;
  const json m = read_json(out + "/synth_odinw/metrics.json");
  const double a = m["members"]["synth_coco"]["metrics"]["AP"].get<double>();
  const double b = m["members"]["synth_coco8"]["metrics"]["AP"].get<double>();
  EXPECT_DOUBLE_EQ(m["metrics"]["mean_AP"].get<double>(), (a + b) / 2);
  EXPECT_EQ(m["members"]["synth_coco8"]["reproducibility"]["prompts"], 3);  // 8 shapes in chunks of 3
  EXPECT_TRUE(fs::exists(out + "/synth_odinw/synth_coco/results.json"));
}

TEST_F(ModelEvalCli, ShippedSyntheticWorldConfigRuns) {
  const std::string cfg = std::string(GLIP_SOURCE_DIR) + "/configs/eval_synthetic_tiny.yaml";
  const Proc dump = exec(GLIP_EVAL_BIN, "--config " + cfg + " --dump-config");
  ASSERT_EQ(dump.code, 0) << dump.err;
  EXPECT_NE(dump.out.find("synth_flickr"), std::string::npos) << dump.out;
  const std::string out = glip::test::temp_dir("me_shipped");
  const Proc r =
      exec(GLIP_EVAL_BIN, "--config " + cfg + " --set model.inference_th=0.0 --checkpoint " + *root_ +
                              "/tiny.safetensors --dataset synth_coco --data-root " + *root_ + "/world --out " + out);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(fs::exists(out + "/synth_coco/metrics.json"));
}

// A dataset's own caption_prompt (the official ODinW task configs' CAPTION_PROMPT) writes its prompts, and a config
// with one top-level dataset needs no --dataset (configs/eval/).
TEST_F(ModelEvalCli, DatasetOwnPromptsAndNoDatasetFlag) {
  const std::string dir = glip::test::temp_dir("me_own_prompt");
  const json ann = read_json(*root_ + "/world/eval/coco/instances.json");
  std::string entries;
  for (size_t i = 0; i < ann["categories"].size(); ++i)
    entries += std::string(i ? ", " : "") + "{prefix: \"a \", name: \"" +
               ann["categories"][i]["name"].get<std::string>() + "\", suffix: \" shape\"}";
  std::ofstream(dir + "/own.yaml") << "_base_: " << *root_ << "/eval.yaml\neval:\n  datasets:\n"
                                   << "    - {name: own, protocol: coco, annotation: eval/coco/instances.json,"
                                   << " image_root: eval/coco/images, caption_prompt: [" << entries << "]}\n";
  const Proc r = exec(GLIP_EVAL_BIN, "--config " + dir + "/own.yaml --checkpoint " + *root_ +
                                         "/tiny.safetensors --data-root " + *root_ + "/world --out " + dir + "/out");
  ASSERT_EQ(r.code, 0) << r.err;
  const json m = read_json(dir + "/out/own/metrics.json");
  const std::string first = m["reproducibility"]["first_prompt"].get<std::string>();
  EXPECT_EQ(first.rfind("a " + ann["categories"][0]["name"].get<std::string>() + " shape. a ", 0), 0u) << first;
  // Several top-level datasets and no --dataset: exit 2 listing them.
  const Proc many = exec(GLIP_EVAL_BIN, "--config " + *root_ + "/eval.yaml --checkpoint " + *root_ +
                                            "/tiny.safetensors --out " + dir + "/many");
  EXPECT_EQ(many.code, 2);
  EXPECT_NE(many.err.find("name one with --dataset"), std::string::npos) << many.err;
}

TEST_F(ModelEvalCli, EvalErrorsExitWith2AndNameTheInput) {
  const std::string out = glip::test::temp_dir("me_err");
  const Proc unknown = exec(GLIP_EVAL_BIN, eval_args("nope", out));
  EXPECT_EQ(unknown.code, 2);
  EXPECT_NE(unknown.err.find("unknown dataset 'nope'"), std::string::npos) << unknown.err;
  EXPECT_NE(unknown.err.find("synth_coco"), std::string::npos) << unknown.err;
  const Proc missing = exec(GLIP_EVAL_BIN, "--config " + *root_ + "/eval.yaml --checkpoint " + out +
                                               "/missing.safetensors --dataset synth_coco --out " + out);
  EXPECT_EQ(missing.code, 2);
  EXPECT_NE(missing.err.find("missing.safetensors"), std::string::npos) << missing.err;
  const Proc no_root =
      exec(GLIP_EVAL_BIN, "--config " + *root_ + "/eval.yaml --checkpoint " + *root_ +
                              "/tiny.safetensors --dataset synth_coco --data-root " + out + " --out " + out);
  EXPECT_EQ(no_root.code, 2);
  EXPECT_NE(no_root.err.find("eval/coco/instances.json"), std::string::npos) << no_root.err;
  const Proc usage = exec(GLIP_EVAL_BIN, "--config " + *root_ + "/eval.yaml --dataset synth_coco");
  EXPECT_EQ(usage.code, 64) << usage.err;
}

TEST_F(ModelEvalCli, AFailedEvaluationLeavesNoOutputFolder) {
  const std::string out = glip::test::temp_dir("me_lvis_on_coco");
  const Proc p = exec(GLIP_EVAL_BIN, eval_args("lvis_on_coco", out));
  EXPECT_EQ(p.code, 2) << p.err;
  EXPECT_NE(p.err.find("eval/coco/instances.json"), std::string::npos) << p.err;
  EXPECT_FALSE(std::filesystem::exists(out + "/lvis_on_coco")) << "a partial output folder was left behind";
}

TEST_F(ModelEvalCli, InferOnOneImageAndOnAFolder) {
  const std::string out1 = glip::test::temp_dir("infer_one");
  const std::string image = *root_ + "/world/eval/coco/images/000000.jpg";
  const Proc one = exec(GLIP_INFER_BIN, infer_args("--image " + image +
                                                   " --prompt 'red star. blue ring' "
                                                   "--score-threshold 0 --out " +
                                                   out1));
  ASSERT_EQ(one.code, 0) << one.err;
  const json j = json::parse(one.out);
  EXPECT_EQ(j["image"], image);
  EXPECT_EQ(j["width"], 64);
  ASSERT_FALSE(j["detections"].empty());
  double prev = 2.0;
  for (const auto& d : j["detections"]) {
    EXPECT_TRUE(d["phrase"] == "red star" || d["phrase"] == "blue ring") << d;
    const double s = d["score"].get<double>();
    EXPECT_LE(s, prev);
    prev = s;
    for (int k = 0; k < 4; ++k) {
      EXPECT_GE(d["box"][k].get<double>(), 0.0);
      EXPECT_LE(d["box"][k].get<double>(), 64.0);
    }
  }
  EXPECT_TRUE(fs::file_size(out1 + "/vis/000000.jpg") > 0);
  // A threshold above every random-init score keeps nothing.
  const Proc none = exec(GLIP_INFER_BIN, infer_args("--image " + image +
                                                    " --prompt 'red star' --score-threshold 1 "
                                                    "--no-draw --out " +
                                                    out1));
  ASSERT_EQ(none.code, 0) << none.err;
  EXPECT_TRUE(json::parse(none.out)["detections"].empty());

  const std::string out2 = glip::test::temp_dir("infer_folder");
  const std::string cats = out2 + "/cats.txt";
  std::ofstream(cats) << "# shapes\ncircle\nsquare\n\nstar\n";
  const Proc folder = exec(GLIP_INFER_BIN, infer_args("--images " + *root_ + "/world/eval/coco/images --categories " +
                                                      cats + " --score-threshold 0.0 --out " + out2));
  ASSERT_EQ(folder.code, 0) << folder.err;
  EXPECT_NE(folder.err.find("images/s"), std::string::npos) << folder.err;
  std::istringstream lines(folder.out);
  int n = 0;
  for (std::string line; std::getline(lines, line);) ++n;
  EXPECT_EQ(n, 3);
  const json results = read_json(out2 + "/results.json");
  const json images = read_json(out2 + "/images.json");
  EXPECT_EQ(images["images"].size(), 3u);
  EXPECT_EQ(images["categories"].size(), 3u);
  ASSERT_FALSE(results.empty());
  for (const auto& d : results) {
    EXPECT_GE(d["image_id"].get<int64_t>(), 1);
    EXPECT_LE(d["image_id"].get<int64_t>(), 3);
    EXPECT_GE(d["category_id"].get<int64_t>(), 1);
    EXPECT_LE(d["category_id"].get<int64_t>(), 3);
    EXPECT_EQ(d["bbox"].size(), 4u);
  }
  for (const auto& im : images["images"])
    EXPECT_TRUE(fs::exists(out2 + "/vis/" + fs::path(im["file_name"].get<std::string>()).stem().string() + ".jpg"));
}

// --images as a COCO-format JSON: its images run (file names under --image-root) and results.json carries their
// COCO ids, here 17, 4, 29 rather than the list positions 1..3, so that glip_eval scores it against that file.
TEST_F(ModelEvalCli, InferOnACocoImageListWritesItsImageIdsAndScoresAgainstIt) {
  const std::string dir = glip::test::temp_dir("infer_coco_ids");
  json gt = read_json(*root_ + "/world/eval/coco/instances.json");
  ASSERT_EQ(gt["images"].size(), 3u);
  const int64_t new_ids[] = {17, 4, 29};
  std::map<int64_t, int64_t> renumber;
  for (size_t i = 0; i < 3; ++i) {
    renumber[gt["images"][i]["id"].get<int64_t>()] = new_ids[i];
    gt["images"][i]["id"] = new_ids[i];
  }
  for (auto& a : gt["annotations"]) a["image_id"] = renumber.at(a["image_id"].get<int64_t>());
  std::ofstream(dir + "/gt.json") << gt.dump();
  const Proc r = exec(GLIP_INFER_BIN, infer_args("--images " + dir + "/gt.json --image-root " + *root_ +
                                                 "/world/eval/coco/images --categories " + dir +
                                                 "/gt.json --score-threshold 0 --no-draw --out " + dir + "/out"));
  ASSERT_EQ(r.code, 0) << r.err;
  std::set<int64_t> ids;
  for (const auto& d : read_json(dir + "/out/results.json")) ids.insert(d["image_id"].get<int64_t>());
  EXPECT_EQ(ids, (std::set<int64_t>{4, 17, 29}));
  const json images = read_json(dir + "/out/images.json");
  ASSERT_EQ(images["images"].size(), 3u);
  for (size_t i = 0; i < 3; ++i) EXPECT_EQ(images["images"][i]["id"], new_ids[i]);
  const Proc scored = exec(GLIP_EVAL_BIN, "coco --gt " + dir + "/gt.json --results " + dir +
                                              "/out/results.json --out " + dir + "/metrics.json");
  ASSERT_EQ(scored.code, 0) << scored.err;
  EXPECT_GE(read_json(dir + "/metrics.json")["AP"].get<double>(), 0.0);
  // Without --image-root the file names are relative to the JSON's folder, where they are missing: exit 2.
  const Proc rootless = exec(GLIP_INFER_BIN, infer_args("--images " + dir + "/gt.json --categories " + dir +
                                                        "/gt.json --no-draw --out " + dir + "/out2"));
  EXPECT_EQ(rootless.code, 2);
  EXPECT_NE(rootless.err.find("gt.json"), std::string::npos) << rootless.err;
}

TEST_F(ModelEvalCli, InferAppliesThePromptOverrideToACategoryFile) {
  // data.override_category renames class 3 of the file to "red star": the model must see exactly the prompt of
  // --prompt 'circle. square. red star' (same results) and the detections carry the new name.
  const std::string dir = glip::test::temp_dir("infer_override");
  const std::string cats = dir + "/cats.txt";
  std::ofstream(cats) << "circle\nsquare\nstar\n";
  const std::string images = " --images " + *root_ + "/world/eval/coco/images --score-threshold 0 --no-draw";
  const Proc over = exec(GLIP_INFER_BIN, infer_args("--categories " + cats + images + " --out " + dir + "/over" +
                                                    " --set 'data.override_category=[{id: 3, name: red star}]'"));
  ASSERT_EQ(over.code, 0) << over.err;
  const Proc typed =
      exec(GLIP_INFER_BIN, infer_args("--prompt 'circle. square. red star'" + images + " --out " + dir + "/typed"));
  ASSERT_EQ(typed.code, 0) << typed.err;
  const Proc plain = exec(GLIP_INFER_BIN, infer_args("--categories " + cats + images + " --out " + dir + "/plain"));
  ASSERT_EQ(plain.code, 0) << plain.err;
  EXPECT_EQ(read_json(dir + "/over/results.json"), read_json(dir + "/typed/results.json"));
  EXPECT_NE(read_json(dir + "/over/results.json"), read_json(dir + "/plain/results.json"));
  EXPECT_EQ(over.out, typed.out);
  EXPECT_NE(over.out.find("\"red star\""), std::string::npos) << over.out;
  EXPECT_EQ(read_json(dir + "/over/images.json")["categories"][2]["name"], "red star");
  // caption_prompt needs one entry per category of the file: the error names the file.
  const Proc wrong = exec(GLIP_INFER_BIN, infer_args("--categories " + cats + images + " --out " + dir + "/w" +
                                                     " --set 'data.caption_prompt=[{prefix: a, name: b, suffix: c}]'"));
  EXPECT_EQ(wrong.code, 2);
  EXPECT_NE(wrong.err.find("cats.txt"), std::string::npos) << wrong.err;
}

TEST_F(ModelEvalCli, InferErrorsExitWith2AndNameTheInput) {
  const std::string out = glip::test::temp_dir("infer_err");
  const std::string image = *root_ + "/world/eval/coco/images/000000.jpg";
  const Proc bad_prompt = exec(GLIP_INFER_BIN, infer_args("--image " + image + " --prompt ' . . ' --out " + out));
  EXPECT_EQ(bad_prompt.code, 2);
  EXPECT_NE(bad_prompt.err.find("--prompt"), std::string::npos) << bad_prompt.err;
  const Proc missing = exec(GLIP_INFER_BIN, infer_args("--image " + image + " --categories " + out + "/none.txt"));
  EXPECT_EQ(missing.code, 2);
  EXPECT_NE(missing.err.find("none.txt"), std::string::npos) << missing.err;
  std::ofstream(out + "/bad.json") << "{\"categories\": [{\"id\": 1}]}";
  const Proc bad_json = exec(GLIP_INFER_BIN, infer_args("--image " + image + " --categories " + out + "/bad.json"));
  EXPECT_EQ(bad_json.code, 2);
  EXPECT_NE(bad_json.err.find("bad.json"), std::string::npos) << bad_json.err;
  const Proc no_image = exec(GLIP_INFER_BIN, infer_args("--image " + out + "/nope.jpg --prompt star"));
  EXPECT_EQ(no_image.code, 2);
  EXPECT_NE(no_image.err.find("nope.jpg"), std::string::npos) << no_image.err;
  const Proc no_ckpt = exec(GLIP_INFER_BIN, "--config " + *root_ + "/eval.yaml --checkpoint " + out +
                                                "/k.safetensors --image " + image + " --prompt star");
  EXPECT_EQ(no_ckpt.code, 2);
  EXPECT_NE(no_ckpt.err.find("k.safetensors"), std::string::npos) << no_ckpt.err;
}

}  // namespace
