// Config system: loading, _base_, --set, validation messages (exact texts), dump round trip.
#include "glip/config/config.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "common/test_utils.h"
#include "glip/config/runtime.h"
#include "glip/core/error.h"
#include "glip/core/fs.h"

namespace glip::config {
namespace {

struct SolverCfg {
  double base_lr = 0.01;
  int64_t max_iter = 1000;
  std::vector<int64_t> steps = {600, 800};
  std::string optimizer = "sgd";
  void visit(Visitor& v) {
    v("base_lr", base_lr, "learning rate", at_least(0));
    v("max_iter", max_iter, "iterations", at_least(1));
    v("steps", steps, "LR decay iterations", at_least(0));
    v("optimizer", optimizer, "optimizer", one_of({"sgd", "adamw"}));
  }
};

struct DatasetCfg {
  std::string name = "coco";
  std::string path;
  double weight = 1.0;
  void visit(Visitor& v) {
    v("name", name, "dataset name");
    v("path", path, "annotation file", existing_path());
    v("weight", weight, "sampling weight", at_least(0));
  }
};

struct Root {
  RuntimeConfig runtime;
  SolverCfg solver;
  std::vector<DatasetCfg> datasets;
  bool verbose = false;
  int small = 3;
  float scale = 0.5f;
  std::vector<std::string> names = {"a", ""};
  void visit(Visitor& v) {
    runtime.visit(v);
    v.section("solver", solver, "optimisation");
    v.list("datasets", datasets, "training datasets");
    v("verbose", verbose, "more output");
    v("small", small, "an int member");
    v("scale", scale, "a float member");
    v("names", names, "strings");
  }
};

std::string load_error(const std::string& yaml, const std::vector<std::string>& sets = {}) {
  Root r;
  try {
    load_string(r, yaml, sets, "t.yaml");
  } catch (const InputError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(Config, EmptyTextGivesDefaults) {
  Root r;
  load_string(r, "");
  EXPECT_EQ(r.solver.base_lr, 0.01);
  EXPECT_EQ(r.runtime.device, "auto");
  EXPECT_EQ(r.runtime.num_threads, 0);
  EXPECT_TRUE(r.datasets.empty());
}

TEST(Config, LoadsEveryType) {
  Root r;
  load_string(r,
              "device: cpu\nsolver: {base_lr: 1e-3, max_iter: 5, steps: [1, 2, 3], optimizer: adamw}\n"
              "datasets: [{name: a, weight: 2}, {name: b}]\nverbose: yes\nsmall: -7\nscale: 2\nnames: [x, '1']\n");
  EXPECT_EQ(r.runtime.device, "cpu");
  EXPECT_DOUBLE_EQ(r.solver.base_lr, 1e-3);
  EXPECT_EQ(r.solver.max_iter, 5);
  EXPECT_EQ(r.solver.steps, (std::vector<int64_t>{1, 2, 3}));
  EXPECT_EQ(r.solver.optimizer, "adamw");
  ASSERT_EQ(r.datasets.size(), 2u);
  EXPECT_EQ(r.datasets[0].name, "a");
  EXPECT_EQ(r.datasets[0].weight, 2.0);
  EXPECT_EQ(r.datasets[1].name, "b");
  EXPECT_EQ(r.datasets[1].weight, 1.0);
  EXPECT_TRUE(r.verbose);
  EXPECT_EQ(r.small, -7);
  EXPECT_EQ(r.scale, 2.0f);
  EXPECT_EQ(r.names, (std::vector<std::string>{"x", "1"}));
}

TEST(Config, UnknownKeyWithSuggestion) {
  EXPECT_EQ(load_error("solver:\n  base_lrr: 0.1\n"),
            "invalid config (1 problem):\n"
            "  - t.yaml: unknown key 'solver.base_lrr' (did you mean 'solver.base_lr'?)");
}

TEST(Config, UnknownKeyInWrongSectionSuggestsFullPath) {
  EXPECT_EQ(load_error("base_lr: 0.1\n"),
            "invalid config (1 problem):\n  - t.yaml: unknown key 'base_lr' (did you mean 'solver.base_lr'?)");
}

TEST(Config, UnknownKeyWithoutCloseMatch) {
  EXPECT_EQ(load_error("solver: {zzzzzzzz: 1}\n"),
            "invalid config (1 problem):\n  - t.yaml: unknown key 'solver.zzzzzzzz'");
}

TEST(Config, WrongType) {
  EXPECT_EQ(load_error("solver: {max_iter: abc}\n"),
            "invalid config (1 problem):\n  - t.yaml: key 'solver.max_iter': expected int >= 1, got 'abc'");
  EXPECT_EQ(load_error("verbose: maybe\n"),
            "invalid config (1 problem):\n  - t.yaml: key 'verbose': expected bool, got 'maybe'");
  EXPECT_EQ(load_error("solver: 3\n"),
            "invalid config (1 problem):\n  - t.yaml: key 'solver': expected a section (a map of keys), got '3'");
  EXPECT_EQ(load_error("solver: {steps: 5}\n"),
            "invalid config (1 problem):\n  - t.yaml: key 'solver.steps': expected list of int >= 0, got '5'");
  EXPECT_EQ(load_error("solver: {steps: [1, x]}\n"),
            "invalid config (1 problem):\n  - t.yaml: key 'solver.steps.1': expected int >= 0, got 'x'");
  EXPECT_EQ(load_error("work_dir: {a: 1}\n"),
            "invalid config (1 problem):\n  - t.yaml: key 'work_dir': expected string, got a map");
  EXPECT_EQ(load_error("small: 1.5\n"),
            "invalid config (1 problem):\n  - t.yaml: key 'small': expected int, got '1.5'");
}

TEST(Config, BadEnumListsAllowedValues) {
  EXPECT_EQ(load_error("log_level: verbose\n"),
            "invalid config (1 problem):\n"
            "  - t.yaml: key 'log_level': expected one of [debug, info, warn, error, off], got 'verbose'");
  EXPECT_EQ(load_error("device: tpu\n"),
            "invalid config (1 problem):\n  - t.yaml: key 'device': expected auto|cpu|cuda|cuda:N, got 'tpu'");
}

TEST(Config, RangesIncludingTheMemberType) {
  EXPECT_EQ(load_error("num_threads: -1\n"),
            "invalid config (1 problem):\n  - t.yaml: key 'num_threads': expected a value in [0, 256], got -1");
  EXPECT_EQ(load_error("small: 3000000000\n"),
            "invalid config (1 problem):\n"
            "  - t.yaml: key 'small': expected a value in [-2147483648, 2147483647], got 3000000000");
}

TEST(Config, SeveralProblemsInOneError) {
  EXPECT_EQ(load_error("devcie: cpu\nsolver: {max_iter: 0, optimizer: adam}\n"
                       "datasets: [{name: a, weight: -1, pth: x}]\n"),
            "invalid config (5 problems):\n"
            "  - t.yaml: key 'solver.max_iter': expected a value >= 1, got 0\n"
            "  - t.yaml: key 'solver.optimizer': expected one of [sgd, adamw], got 'adam'\n"
            "  - t.yaml: key 'datasets.0.weight': expected a value >= 0, got -1.0\n"
            "  - t.yaml: unknown key 'datasets.0.pth' (did you mean 'datasets.0.path'?)\n"
            "  - t.yaml: unknown key 'devcie' (did you mean 'device'?)");
}

TEST(Config, MissingPathAndSyntaxError) {
  EXPECT_EQ(load_error("datasets: [{path: /no/such/file.json}]\n"),
            "invalid config (1 problem):\n  - t.yaml: key 'datasets.0.path': path '/no/such/file.json' does not exist");
  EXPECT_EQ(load_error("solver: {base_lr: 0.1\n"),
            "invalid config (1 problem):\n"
            "  - t.yaml: YAML syntax error at line 2, column 1: end of map flow not found");
  EXPECT_EQ(load_error("- a\n- b\n"),
            "invalid config (1 problem):\n  - t.yaml: expected a map of keys at the top level");
}

TEST(Config, FailedLoadLeavesConfigUnchanged) {
  Root r;
  EXPECT_THROW(load_string(r, "seed: 5\nsolver: {max_iter: x}\n"), InputError);
  EXPECT_EQ(r.runtime.seed, 0);
}

TEST(Config, BaseChainMergesDeeplyAndReportsTheFile) {
  const std::string dir = test::temp_dir("config_base");
  std::filesystem::create_directories(dir + "/_base_");
  write_file_atomic(dir + "/_base_/root.yaml", "seed: 1\nsolver: {base_lr: 0.5, max_iter: 10, steps: [1, 2]}\n");
  write_file_atomic(dir + "/_base_/mid.yaml", "_base_: root.yaml\nsolver: {max_iter: 20}\nlog_level: warn\n");
  write_file_atomic(dir + "/other.yaml", "verbose: true\nseed: 2\n");
  write_file_atomic(dir + "/top.yaml", "_base_: [_base_/mid.yaml, other.yaml]\nsolver: {steps: [7]}\n");
  Root r;
  load_file(r, dir + "/top.yaml");
  EXPECT_EQ(r.runtime.seed, 2);                          // other.yaml overrides root.yaml
  EXPECT_EQ(r.solver.base_lr, 0.5);                      // from root.yaml, kept by the deep merge
  EXPECT_EQ(r.solver.max_iter, 20);                      // mid.yaml overrides root.yaml
  EXPECT_EQ(r.solver.steps, (std::vector<int64_t>{7}));  // lists replace
  EXPECT_EQ(r.runtime.log_level, "warn");
  EXPECT_TRUE(r.verbose);

  write_file_atomic(dir + "/_base_/root.yaml", "solver: {base_lr: x}\n");
  write_file_atomic(dir + "/other.yaml", "_base_: missing.yaml\nverbos: true\n");
  Root bad;
  try {
    load_file(bad, dir + "/top.yaml");
    FAIL() << "expected an error";
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()),
              "invalid config (3 problems):\n"
              "  - " +
                  dir + "/other.yaml: _base_ file '" + dir +
                  "/missing.yaml' does not exist\n"
                  "  - " +
                  dir +
                  "/_base_/root.yaml: key 'solver.base_lr': expected float >= 0, got 'x'\n"
                  "  - " +
                  dir + "/other.yaml: unknown key 'verbos' (did you mean 'verbose'?)");
  }
}

TEST(Config, BaseCycleAndMissingFile) {
  const std::string dir = test::temp_dir("config_cycle");
  write_file_atomic(dir + "/a.yaml", "_base_: b.yaml\n");
  write_file_atomic(dir + "/b.yaml", "_base_: a.yaml\n");
  Root r;
  try {
    load_file(r, dir + "/a.yaml");
    FAIL() << "expected an error";
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()), "invalid config (1 problem):\n  - " + dir + "/b.yaml: _base_ cycle: " + dir +
                                         "/a.yaml -> " + dir + "/b.yaml -> " + dir + "/a.yaml");
  }
  try {
    load_file(r, dir + "/nope.yaml");
    FAIL() << "expected an error";
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()),
              "invalid config (1 problem):\n  - config file '" + dir + "/nope.yaml' does not exist");
  }
}

TEST(Config, SetOverrides) {
  Root r;
  load_string(r, "solver: {base_lr: 0.1}\ndatasets: [{name: a}, {name: b}]\n",
              {"solver.base_lr=0.2", "solver.steps=[5, 6]", "datasets.1.weight=3", "device=cpu",
               "work_dir=", "solver.max_iter=7", "solver.max_iter=8"});
  EXPECT_EQ(r.solver.base_lr, 0.2);
  EXPECT_EQ(r.solver.steps, (std::vector<int64_t>{5, 6}));
  EXPECT_EQ(r.datasets[1].weight, 3.0);
  EXPECT_EQ(r.datasets[1].name, "b");
  EXPECT_EQ(r.runtime.device, "cpu");
  EXPECT_EQ(r.runtime.work_dir, "");
  EXPECT_EQ(r.solver.max_iter, 8);  // the last --set wins
}

TEST(Config, SetErrors) {
  EXPECT_EQ(load_error("", {"solver.base_lrr=1", "solver.max_iter=x", "oops", "datasets.3.name=a"}),
            "invalid config (4 problems):\n"
            "  - --set 'oops': expected KEY=VALUE, e.g. solver.base_lr=0.01\n"
            "  - --set: key 'solver.max_iter': expected int >= 1, got 'x'\n"
            "  - --set: unknown key 'solver.base_lrr' (did you mean 'solver.base_lr'?)\n"
            "  - --set: key 'datasets': expected a list of sections, got a map");
  EXPECT_EQ(load_error("datasets: [{name: a}]", {"datasets.3.name=a"}),
            "invalid config (1 problem):\n"
            "  - --set 'datasets.3.name=a': index 3 is out of range (the list has 1 elements)");
}

TEST(Config, DumpRoundTrip) {
  Root r;
  r.solver.base_lr = 0.1;
  r.solver.steps = {};
  r.runtime.work_dir = "null";
  r.datasets = {DatasetCfg{}, DatasetCfg{}};
  r.datasets[1].name = "123";
  r.datasets[1].weight = 1e-7;
  r.names = {"yes", "", "a b"};
  r.scale = 0.3f;
  const std::string text = dump(r);
  Root back;
  load_string(back, text);
  EXPECT_EQ(dump(back), text);
  EXPECT_EQ(back.solver.base_lr, 0.1);
  EXPECT_EQ(back.runtime.work_dir, "null");
  EXPECT_EQ(back.datasets[1].name, "123");
  EXPECT_EQ(back.datasets[1].weight, 1e-7);
  EXPECT_EQ(back.names, r.names);
  EXPECT_EQ(back.scale, 0.3f);
  EXPECT_NE(text.find("base_lr: 0.1\n"), std::string::npos) << text;
}

TEST(Config, DescribeListsEveryOption) {
  Root r;
  std::vector<OptionDoc> docs = describe(r);
  auto find = [&](const std::string& key) -> const OptionDoc* {
    for (const auto& d : docs)
      if (d.key == key) return &d;
    return nullptr;
  };
  ASSERT_NE(find("solver.optimizer"), nullptr);
  EXPECT_EQ(find("solver.optimizer")->type, "one of [sgd, adamw]");
  EXPECT_EQ(find("solver.optimizer")->default_value, "sgd");
  ASSERT_NE(find("datasets[].weight"), nullptr);
  EXPECT_EQ(find("datasets[].weight")->type, "float >= 0");
  EXPECT_EQ(find("solver.steps")->default_value, "[600, 800]");
  EXPECT_EQ(find("num_threads")->doc,
            "threads for intra-op parallelism (the OpenMP team and the OpenBLAS pool); 0 = all cores");
}

TEST(Config, ValidateChecksValuesSetInCode) {
  Root r;
  r.solver.optimizer = "rmsprop";
  r.runtime.num_threads = -2;
  try {
    validate(r);
    FAIL() << "expected an error";
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()),
              "invalid config (2 problems):\n"
              "  - key 'num_threads': expected a value in [0, 256], got -2\n"
              "  - key 'solver.optimizer': expected one of [sgd, adamw], got 'rmsprop'");
  }
}

}  // namespace
}  // namespace glip::config
