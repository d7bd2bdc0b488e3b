// Official GLIP configs (maskrcnn_benchmark yacs YAML) through glip's --config loader: the four pretraining configs
// of tests/data/official_configs/ map onto the shipped configs/model/ variants key by key, every key glip cannot map
// is listed in one error with its official path, the table's defaults are those of the official defaults.py, and a
// made-up key is reported.
#include "glip/config/official.h"

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <regex>
#include <set>
#include <sstream>

#include "common/test_utils.h"
#include "config/official_detail.h"
#include "glip/app/glip_config.h"
#include "glip/config/config.h"
#include "glip/core/error.h"
#include "glip/core/fs.h"

namespace glip::config {
namespace {

std::string official(const std::string& name) { return test::data_dir() + "/official_configs/" + name; }
std::string shipped(const std::string& name) { return std::string(GLIP_SOURCE_DIR) + "/configs/model/" + name; }

/** The official key a problem line is about ("SOLVER.MAX_EPOCH = 30: ..." -> SOLVER.MAX_EPOCH). */
std::string problem_key(const std::string& line) { return line.substr(0, line.find_first_of(" :")); }

std::set<std::string> problem_keys(const std::vector<std::string>& problems) {
  std::set<std::string> keys;
  for (const auto& p : problems) EXPECT_TRUE(keys.insert(problem_key(p)).second) << "listed twice: " << p;
  return keys;
}

std::string official_load_error(const std::string& path, const std::vector<std::string>& sets = {}) {
  app::GlipConfig cfg;
  try {
    load_file(cfg, path, sets);
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

size_t count(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (size_t p = text.find(needle); p != std::string::npos; p = text.find(needle, p + 1)) ++n;
  return n;
}

struct Case {
  std::string official_file, shipped_file, backbone_weight;
  std::set<std::string> unmapped;  ///< official keys glip cannot map in the file as released
};

// What glip cannot reproduce in the released pretraining configs: the dataset catalog names, the aspect-ratio
// grouping of batches (not set, official default True) and, for GLIP-L, the dataset copies (epochs, negative-caption
// packing and the weight-decay schedule map to solver.max_epoch, data.pack_* and solver.weight_decay_schedule).
const std::set<std::string> kUnmappedT = {"DATALOADER.ASPECT_RATIO_GROUPING", "DATASETS.TEST", "DATASETS.TRAIN"};
const std::vector<Case> kCases = {
    {"glip_A_Swin_T_O365.yaml", "glip_t_a.yaml", "swin_tiny_patch4_window7_224.pth", kUnmappedT},
    {"glip_Swin_T_O365.yaml", "glip_t_b.yaml", "swin_tiny_patch4_window7_224.pth", kUnmappedT},
    {"glip_Swin_T_O365_GoldG.yaml", "glip_t_c.yaml", "swin_tiny_patch4_window7_224.pth", kUnmappedT},
    {"glip_Swin_T_O365_GoldG.yaml", "glip_t.yaml", "swin_tiny_patch4_window7_224.pth", kUnmappedT},
    {"glip_Swin_L.yaml",
     "glip_l.yaml",
     "swin_large_patch4_window12_384_22k.pth",
     {"DATALOADER.ASPECT_RATIO_GROUPING", "DATASETS.FLICKR_COPY", "DATASETS.IN_COPY", "DATASETS.MIXED_COPY",
      "DATASETS.OBJECT365_COPY", "DATASETS.TEST", "DATASETS.TRAIN", "DATASETS.VG_COPY"}},
};

void PrintTo(const Case& c, std::ostream* os) { *os << c.official_file << " vs configs/model/" << c.shipped_file; }

class OfficialPretrainConfig : public ::testing::TestWithParam<Case> {};

TEST_P(OfficialPretrainConfig, ModelMatchesTheShippedVariantKeyByKey) {
  const Case& c = GetParam();
  const OfficialTranslation tr = translate_official_file(official(c.official_file));
  const YAML::Node glip = YAML::Load(tr.glip_yaml);
  ASSERT_TRUE(glip["model"].IsMap()) << tr.glip_yaml;
  EXPECT_EQ(glip["model"]["backbone_weight"].as<std::string>(), c.backbone_weight);
  EXPECT_FALSE(glip["model"]["weight"]) << "an ImageNet Swin checkpoint is backbone-only";

  app::GlipConfig from_official;  // the translated config; the backbone file is not here
  load_string(from_official, tr.glip_yaml, {"model.backbone_weight="}, c.official_file);
  app::GlipConfig variant;
  load_file(variant, shipped(c.shipped_file));
  EXPECT_EQ(from_official.model.name, std::filesystem::path(c.official_file).stem().string());

  // Every model key corresponds except the label, the backbone file (not in the shipped architecture files), and the
  // ResNet keys of a Swin model (the official defaults; a Swin body does not read them).
  const auto a = describe(from_official.model), b = describe(variant.model);
  ASSERT_EQ(a.size(), b.size());
  size_t compared = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    ASSERT_EQ(a[i].key, b[i].key);
    const std::string& key = a[i].key;
    if (key == "name" || key == "backbone_weight" || key.rfind("resnet_", 0) == 0) continue;
    EXPECT_EQ(a[i].default_value, b[i].default_value)
        << "model." << key << ": " << c.official_file << " vs " << c.shipped_file;
    ++compared;
  }
  EXPECT_GE(compared, 40u);
  // The keys the translation writes (the rest keep glip's defaults, which have no official key).
  for (const char* key : {"conv_body",
                          "swin_embed_dim",
                          "swin_depths",
                          "swin_num_heads",
                          "swin_window_size",
                          "swin_drop_path_rate",
                          "freeze_conv_body_at",
                          "out_channels",
                          "fpn_drop_block",
                          "bert_hidden_size",
                          "max_query_len",
                          "dyhead_channels",
                          "dyhead_num_convs",
                          "early_fuse",
                          "use_fused_features_dot_product",
                          "anchor_sizes",
                          "anchor_strides",
                          "atss_topk",
                          "nms_th",
                          "score_agg"})
    EXPECT_TRUE(glip["model"][key]) << "model." << key << " not written from " << c.official_file;
}

TEST_P(OfficialPretrainConfig, UnmappedKeysAreListedInOneErrorWithTheirPaths) {
  const Case& c = GetParam();
  const OfficialTranslation tr = translate_official_file(official(c.official_file));
  EXPECT_EQ(problem_keys(tr.problems), c.unmapped);

  // Through the loader every tool uses: one InputError that lists every key (and the missing backbone file,
  // named by its official key).
  const std::string err = official_load_error(official(c.official_file));
  ASSERT_FALSE(err.empty());
  EXPECT_NE(err.find(c.official_file + ": official GLIP config: " + std::to_string(c.unmapped.size()) + " keys"),
            std::string::npos)
      << err;
  for (const auto& key : c.unmapped) EXPECT_EQ(count(err, "\n      " + key), 1u) << key << " in\n" << err;
  EXPECT_NE(err.find(c.official_file + " (MODEL.WEIGHT): key 'model.backbone_weight': path '" + c.backbone_weight +
                     "' does not exist"),
            std::string::npos)
      << err;
}

INSTANTIATE_TEST_SUITE_P(Released, OfficialPretrainConfig, ::testing::ValuesIn(kCases),
                         [](const ::testing::TestParamInfo<Case>& info) {
                           return std::filesystem::path(info.param.shipped_file).stem().string();  // glip_t_a, ...
                         });

/** A child of the official GoldG config that sets what glip cannot map to values it reproduces. */
std::string write_loadable_child(const std::string& dir) {
  const std::string path = dir + "/glip_t_c_glip.yaml";
  write_file_atomic(path, "_BASE_: " + official("glip_Swin_T_O365_GoldG.yaml") +
                              "\n"
                              "MODEL:\n  WEIGHT: ''\n"
                              "DATASETS:\n  TRAIN: ()\n  TEST: ()\n"
                              "DATALOADER:\n  ASPECT_RATIO_GROUPING: False\n"
                              "SOLVER:\n  MAX_EPOCH: 0\n  MAX_ITER: 300000\n");
  return path;
}

TEST(OfficialConfig, LoadsWhenEveryKeyMapsAndAGlipConfigAddsTheData) {
  const std::string dir = test::temp_dir("official_ok");
  const std::string child = write_loadable_child(dir);
  const std::string glip_cfg = dir + "/train.yaml";
  write_file_atomic(glip_cfg,
                    "_base_: glip_t_c_glip.yaml\n"
                    "data:\n  train:\n    - {name: o365, format: coco, path: o365/train.json, "
                    "image_root: o365/images}\n");
  app::GlipConfig cfg;
  load_file(cfg, glip_cfg);
  EXPECT_EQ(cfg.model.name, "glip_t_c_glip");
  EXPECT_EQ(cfg.model.dyhead_num_convs, 6);
  EXPECT_TRUE(cfg.model.early_fuse);
  EXPECT_EQ(cfg.model.backbone_weight, "");
  ASSERT_EQ(cfg.data.train.size(), 1u);
  EXPECT_EQ(cfg.data.train[0].format, "coco");
  EXPECT_EQ(cfg.data.min_size_train, (std::vector<int64_t>{480, 560, 640, 720, 800}));  // AUGMENT.MULT_MIN_SIZE_TRAIN
  EXPECT_EQ(cfg.data.max_size_train, 1333);
  EXPECT_EQ(cfg.data.min_size_test, (std::vector<int64_t>{800}));
  EXPECT_EQ(cfg.data.size_divisibility, 32);
  EXPECT_EQ(cfg.data.random_sample_negative, 85);
  EXPECT_EQ(cfg.data.flip_prob, 0.5);  // AUGMENT.FLIP_PROB_TRAIN, not set: the official default
  EXPECT_EQ(cfg.solver.optimizer, "ADAMW");
  EXPECT_EQ(cfg.solver.max_iter, 300000);
  EXPECT_EQ(cfg.solver.ims_per_batch, 64);
  EXPECT_DOUBLE_EQ(cfg.solver.base_lr, 1e-4);
  EXPECT_DOUBLE_EQ(cfg.solver.lang_lr, 1e-5);
  EXPECT_DOUBLE_EQ(cfg.solver.weight_decay, 1e-4);
  EXPECT_DOUBLE_EQ(cfg.solver.bias_lr_factor, 2.0);
  EXPECT_EQ(cfg.solver.steps, (std::vector<double>{0.67, 0.89}));
  EXPECT_EQ(cfg.solver.warmup_iters, 2000);
  EXPECT_DOUBLE_EQ(cfg.solver.warmup_factor, 0.001);
  EXPECT_TRUE(cfg.solver.use_amp);
  EXPECT_DOUBLE_EQ(cfg.solver.model_ema, 0.999);
  EXPECT_TRUE(cfg.solver.clip_gradients.enabled);
  EXPECT_DOUBLE_EQ(cfg.solver.clip_gradients.clip_value, 1.0);
  EXPECT_EQ(cfg.solver.eval_period, 0);  // TEST.DURING_TRAINING False
  EXPECT_EQ(cfg.solver.tuning_highlevel_override, "full");
  EXPECT_EQ(cfg.test.ims_per_batch, 64);

  // The official file alone, with --set on glip keys after the translation.
  app::GlipConfig alone;
  load_file(alone, child, {"solver.max_iter=10", "model.dyhead_num_convs=2"});
  EXPECT_EQ(alone.solver.max_iter, 10);
  EXPECT_EQ(alone.model.dyhead_num_convs, 2);
}

TEST(OfficialConfig, MadeUpAndMisspelledKeysAreReportedWithTheirPaths) {
  const std::string dir = test::temp_dir("official_bad");
  const std::string base = write_loadable_child(dir);
  const std::string path = dir + "/bad.yaml";
  write_file_atomic(path,
                    "_BASE_: glip_t_c_glip.yaml\n"
                    "MODEL:\n"
                    "  DYHEAD:\n"
                    "    NUM_CONVZ: 6\n"         // misspelled
                    "    MADE_UP_KEY: (1, 2)\n"  // made up
                    "  RPN:\n"
                    "    USE_FPN: False\n"  // a value glip cannot reproduce
                    "  SWINT: 5\n"          // a section given a value
                    "MADE_UP_SECTION:\n"
                    "  A: 1\n"
                    "  B: 2\n"
                    "SOLVER:\n"
                    "  OPTIMIZER: SGD\n"
                    "  BASE_LR: 0.01\n");
  const OfficialTranslation tr = translate_official_file(path);
  const std::vector<std::string> expected = {
      "MADE_UP_SECTION (a section of 2 keys): no glip equivalent",
      "MODEL.DYHEAD.MADE_UP_KEY = (1, 2): no glip equivalent",
      "MODEL.DYHEAD.NUM_CONVZ = 6: no glip equivalent (did you mean MODEL.DYHEAD.NUM_CONVS?)",
      "MODEL.RPN.USE_FPN = False: glip implements only True (anchors on the five FPN levels)",
      "MODEL.SWINT = 5: expected a section of keys",
      "SOLVER.OPTIMIZER = 'SGD': glip implements the ADAMW optimiser only",
  };
  EXPECT_EQ(tr.problems, expected);

  const std::string err = official_load_error(path);
  EXPECT_NE(err.find("invalid config (1 problem):\n  - " + path + ": official GLIP config: 6 keys"), std::string::npos)
      << err;
  for (const auto& line : expected) EXPECT_NE(err.find("\n      " + line), std::string::npos) << line << "\n" << err;

  // A key set in a _BASE_ names that file; a mapped value out of glip's range names the official key.
  write_file_atomic(base, read_file(base) + "MODEL:\n  MADE_UP_KEY: 1\n  BACKBONE:\n    OUT_CHANNELS: 0\n");
  const std::string err2 = official_load_error(path);
  EXPECT_NE(err2.find("MODEL.MADE_UP_KEY = 1 (" + base + "): no glip equivalent"), std::string::npos) << err2;
  EXPECT_NE(err2.find("glip_t_c_glip.yaml (MODEL.BACKBONE.OUT_CHANNELS): key 'model.out_channels': expected a value "
                      ">= 1, got 0"),
            std::string::npos)
      << err2;
}

TEST(OfficialConfig, KeysNotSetTakeTheOfficialDefaults) {
  // GLIP-L does not set FREEZE_CONV_BODY_AT, USE_AMP, MODEL_EMA: the official defaults apply.
  const YAML::Node glip = YAML::Load(translate_official_file(official("glip_Swin_L.yaml")).glip_yaml);
  EXPECT_EQ(glip["model"]["freeze_conv_body_at"].as<int>(), 2);
  EXPECT_FALSE(glip["solver"]["use_amp"].as<bool>());
  EXPECT_EQ(glip["solver"]["model_ema"].as<double>(), 0.0);
  EXPECT_EQ(glip["solver"]["max_iter"].as<int>(), 1000000);
  EXPECT_EQ(glip["solver"]["weight_decay"].as<double>(), 0.01);
  EXPECT_EQ(glip["test"]["ims_per_batch"].as<int>(), 16);
  EXPECT_EQ(glip["data"]["caption_conf"].as<double>(), 0.5);  // FURTHER_SCREEN True, CAPTION_CONF 0.5
  // A minimal official file: everything GLIP's architecture needs that differs from defaults.py is reported.
  const std::string dir = test::temp_dir("official_min");
  write_file_atomic(dir + "/min.yaml", "SOLVER:\n  BASE_LR: 0.01\n");
  const auto keys = problem_keys(translate_official_file(dir + "/min.yaml").problems);
  for (const char* k : {"MODEL.META_ARCHITECTURE", "MODEL.RPN_ONLY", "MODEL.RPN_ARCHITECTURE", "MODEL.RPN.USE_FPN",
                        "MODEL.DYHEAD.USE_GN", "INPUT.PIXEL_MEAN", "INPUT.PIXEL_STD", "DATASETS.SEPARATION_TOKENS",
                        "DATASETS.RANDOM_SAMPLE_NEG", "SOLVER.OPTIMIZER"})
    EXPECT_TRUE(keys.count(k)) << k;
}

TEST(OfficialConfig, FileKindsAndBases) {
  EXPECT_TRUE(is_official_config("MODEL:\n  WEIGHT: x\n"));
  EXPECT_TRUE(is_official_config("_BASE_: a.yaml\nSOLVER: {BASE_LR: 0.1}\n"));
  EXPECT_FALSE(is_official_config("model:\n  name: x\n"));
  EXPECT_FALSE(is_official_config(""));
  const std::string dir = test::temp_dir("official_kinds");
  write_file_atomic(dir + "/mixed.yaml", "MODEL: {WEIGHT: ''}\nsolver: {base_lr: 0.1}\n");
  EXPECT_NE(
      official_load_error(dir + "/mixed.yaml").find("mixes official GLIP keys (upper case: MODEL ) with glip keys"),
      std::string::npos);
  write_file_atomic(dir + "/glip.yaml", "solver: {base_lr: 0.1}\n");
  write_file_atomic(dir + "/child.yaml", "_BASE_: glip.yaml\nSOLVER: {BASE_LR: 0.1}\n");
  EXPECT_NE(official_load_error(dir + "/child.yaml")
                .find("_BASE_ file '" + dir + "/glip.yaml' is not an official GLIP config"),
            std::string::npos);
  write_file_atomic(dir + "/loop.yaml", "_BASE_: loop.yaml\nSOLVER: {BASE_LR: 0.1}\n");
  EXPECT_NE(official_load_error(dir + "/loop.yaml").find("_base_ cycle"), std::string::npos);
  // --set takes glip keys: an official one is unknown, with a hint.
  app::GlipConfig cfg;
  try {
    load_file(cfg, dir + "/glip.yaml", {"MODEL.WEIGHT=x.pth"});
    ADD_FAILURE() << "an official key in --set was accepted";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("--set: unknown key 'MODEL' (an official GLIP key"), std::string::npos)
        << e.what();
  }
  EXPECT_THROW(translate_official_file(dir + "/glip.yaml"), InputError);
  EXPECT_THROW(translate_official_file(dir + "/missing.yaml"), InputError);
  // A long quoted value folded over lines, as PyYAML writes ODinW's OVERRIDE_CATEGORY, is read.
  write_file_atomic(dir + "/odinw.yaml",
                    "_BASE_: " + official("glip_Swin_T_O365_GoldG.yaml") +
                        "\nDATASETS:\n  USE_OVERRIDE_CATEGORY: True\n"
                        "  OVERRIDE_CATEGORY: '[{\"id\": 1, \"name\": \"fish\", \"supercategory\": \"creatures\"}, "
                        "{\"id\":\n"
                        "    2, \"name\": \"jellyfish\", \"supercategory\": \"creatures\"}]'\n");
  const YAML::Node glip = YAML::Load(translate_official_file(dir + "/odinw.yaml").glip_yaml);
  ASSERT_EQ(glip["data"]["override_category"].size(), 2u);
  EXPECT_EQ(glip["data"]["override_category"][1]["name"].as<std::string>(), "jellyfish");
  EXPECT_EQ(glip["data"]["override_category"][1]["id"].as<int>(), 2);
}

TEST(OfficialConfig, PythonLiteralsAsYacsReadsThem) {
  using official::literal;
  using official::Py;
  EXPECT_EQ(literal("(1.0,)").repr(), "(1.0,)");
  EXPECT_EQ(literal("(64, 128)").items.size(), 2u);
  EXPECT_EQ(literal("(800)").t, Py::T::kInt);  // parentheses, not a tuple
  EXPECT_EQ(literal("[1., -2, 3e-5]").repr(), "[1.0, -2, 3e-05]");
  EXPECT_EQ(literal("{'a': None, \"b\": True}").repr(), "{'a': None, 'b': True}");
  EXPECT_EQ(literal("0.00001").repr(), "1e-05");
  EXPECT_EQ(literal("1000000.0").repr(), "1000000.0");
  EXPECT_TRUE(literal("(1, 2)") == literal("[1.0, 2.0]"));  // yacs coerces tuple <-> list
  EXPECT_FALSE(literal("True") == literal("1"));
  EXPECT_FALSE(official::parse_literal("ADAMW"));
  EXPECT_FALSE(official::parse_literal("swin_tiny.pth"));
  EXPECT_FALSE(official::parse_literal("(1, 2"));
  EXPECT_EQ(official::from_yaml(YAML::Load("x: yes")["x"]).repr(), "True");  // YAML 1.1, as PyYAML
  EXPECT_EQ(official::from_yaml(YAML::Load("x: 'yes'")["x"]).repr(), "'yes'");
  EXPECT_EQ(official::from_yaml(YAML::Load("x: \". \"")["x"]).repr(), "'. '");
  EXPECT_EQ(official::from_yaml(YAML::Load("x: (0.67, 0.89)")["x"]).repr(), "(0.67, 0.89)");
  EXPECT_EQ(official::from_yaml(YAML::Load("x: [ 103.530, 116.280 ]")["x"]).repr(), "[103.53, 116.28]");
}

/** The value of a defaults.py right-hand side: a literal, or `a * b` / `a / b` of two numbers. */
std::optional<official::Py> eval_default(std::string rhs) {
  // Strip a trailing comment (configs' defaults hold no '#' inside strings).
  if (const size_t hash = rhs.find('#'); hash != std::string::npos) rhs.resize(hash);
  while (!rhs.empty() && (rhs.back() == ' ' || rhs.back() == '\r')) rhs.pop_back();
  if (auto v = official::parse_literal(rhs)) return v;
  std::smatch m;
  if (std::regex_match(rhs, m, std::regex(R"(\s*([0-9.]+)\s*([*/])\s*([0-9.]+)\s*)"))) {
    const auto a = official::parse_literal(m[1]), b = official::parse_literal(m[3]);
    if (!a || !b) return std::nullopt;
    if (m[2] == "*" && a->t == official::Py::T::kInt && b->t == official::Py::T::kInt)
      return official::Py::integer(a->i * b->i);
    return official::Py::real(m[2] == "*" ? a->num() * b->num() : a->num() / b->num());
  }
  return std::nullopt;
}

TEST(OfficialConfig, TableDefaultsAreThoseOfDefaultsPy) {
  std::map<std::string, std::string> defaults;  // the last assignment wins, as in Python
  std::ifstream in(official("defaults.py"));
  ASSERT_TRUE(in.good());
  const std::regex assign(R"(^_C\.([A-Z0-9_.]+)\s*=\s*(.*)$)");
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();  // the file has CRLF line ends, as released
    std::smatch m;
    if (std::regex_match(line, m, assign)) defaults[m[1].str()] = m[2].str();
  }
  ASSERT_GT(defaults.size(), 400u);
  for (const auto& e : official::table()) {
    auto it = defaults.find(e.key);
    ASSERT_NE(it, defaults.end()) << e.key << " is not a key of defaults.py";
    const auto want = eval_default(it->second);
    ASSERT_TRUE(want) << e.key << ": cannot read defaults.py's " << it->second;
    const official::Py have = official::literal(e.def);
    EXPECT_TRUE(have == *want && have.t == want->t)
        << e.key << ": table default " << e.def << ", defaults.py " << it->second;
  }
}

TEST(OfficialConfig, DocsSectionListsTheWholeTable) {
  const std::string md = official_configs_markdown();
  for (const auto& e : official::table()) EXPECT_NE(md.find("| `" + e.key + "` | "), std::string::npos) << e.key;
  EXPECT_NE(read_file(std::string(GLIP_SOURCE_DIR) + "/docs/configs.md").find(md), std::string::npos)
      << "docs/configs.md is stale: glip_config_docs --write docs/configs.md";
}

}  // namespace
}  // namespace glip::config
