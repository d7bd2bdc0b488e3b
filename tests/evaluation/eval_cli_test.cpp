// Label cli: runs the glip_eval executable on fixtures and on bad input, checking exit codes, messages
// and the metrics JSON it writes.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "common/test_utils.h"
#include "eval_test_utils.h"

namespace {

struct Run {
  int code;
  std::string err;
};

Run run_eval(const std::string& args) {
  const std::string dir = glip::test::temp_dir("eval_cli");
  const std::string err_path = dir + "/stderr.txt";
  const std::string cmd = std::string(GLIP_EVAL_BIN) + " " + args + " > " + dir + "/stdout.txt 2> " + err_path;
  const int status = std::system(cmd.c_str());
  std::ifstream f(err_path);
  std::stringstream ss;
  ss << f.rdbuf();
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, ss.str()};
}

std::string fixture(const std::string& rel) { return glip::test::data_dir() + "/eval/" + rel; }

std::string write_temp(const std::string& name, const std::string& text) {
  const std::string p = glip::test::temp_dir("eval_cli_in") + "/" + name;
  std::ofstream(p) << text;
  return p;
}

TEST(EvalCli, CocoWritesTheMetricsJson) {
  const std::string out = glip::test::temp_dir("eval_cli_out") + "/metrics.json";
  auto r = run_eval("coco --gt " + fixture("coco/case0/gt.json") + " --results " + fixture("coco/case0/results.json") +
                    " --out " + out);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(glip::test::json_matches(glip::test::read_json(out),
                                       glip::test::read_json(fixture("coco/case0/expected.json")), 1e-6));
}

TEST(EvalCli, LvisAndFlickrRun) {
  const std::string out = glip::test::temp_dir("eval_cli_out") + "/m.json";
  auto l = run_eval("lvis --gt " + fixture("lvis/case0/gt.json") + " --results " + fixture("lvis/case0/results.json") +
                    " --out " + out);
  ASSERT_EQ(l.code, 0) << l.err;
  EXPECT_TRUE(glip::test::json_matches(glip::test::read_json(out),
                                       glip::test::read_json(fixture("lvis/case0/expected.json")), 1e-6));
  auto fixed = run_eval("lvis --fixed-ap --gt " + fixture("lvis/case0/gt.json") + " --results " +
                        fixture("lvis/case0/results.json") + " --out " + out);
  ASSERT_EQ(fixed.code, 0) << fixed.err;
  EXPECT_TRUE(glip::test::read_json(out)["fixed_ap"].get<bool>());
  auto f = run_eval("flickr --root " + fixture("flickr/merged") + " --split test --merge-boxes --results " +
                    fixture("flickr/merged/results.json") + " --out " + out);
  ASSERT_EQ(f.code, 0) << f.err;
  EXPECT_TRUE(glip::test::json_matches(glip::test::read_json(out),
                                       glip::test::read_json(fixture("flickr/merged/expected.json")), 1e-6));
}

TEST(EvalCli, BadInputGivesExitCode2AndAClearMessage) {
  const std::string gt = fixture("coco/case0/gt.json");
  auto malformed = run_eval("coco --gt " + gt + " --results " +
                            write_temp("bad.json", "[{\"image_id\": 1000,\n \"bbox\": [1, 2 3]}]"));
  EXPECT_EQ(malformed.code, 2);
  EXPECT_NE(malformed.err.find("invalid JSON"), std::string::npos) << malformed.err;
  EXPECT_NE(malformed.err.find("line 2, column 16"), std::string::npos) << malformed.err;

  auto empty = run_eval("coco --gt " + gt + " --results " + write_temp("empty.json", "[]"));
  EXPECT_EQ(empty.code, 2);
  EXPECT_NE(empty.err.find("empty"), std::string::npos) << empty.err;

  auto unknown =
      run_eval("coco --gt " + gt + " --results " +
               write_temp("u.json", R"([{"image_id": 5, "category_id": 3, "bbox": [1, 2, 3, 4], "score": 0.5}])"));
  EXPECT_EQ(unknown.code, 2);
  EXPECT_NE(unknown.err.find("Results do not correspond to current coco set"), std::string::npos) << unknown.err;

  auto missing = run_eval("coco --gt /nonexistent/gt.json --results " + fixture("coco/case0/results.json"));
  EXPECT_EQ(missing.code, 2);
  EXPECT_NE(missing.err.find("/nonexistent/gt.json"), std::string::npos) << missing.err;

  auto flickr = run_eval("flickr --root " + fixture("flickr/anybox") + " --results " +
                         write_temp("f.json", R"([{"image_id": "100000", "sentence_id": 1, "boxes": []}])"));
  EXPECT_EQ(flickr.code, 2);
  EXPECT_NE(flickr.err.find("got 0 predictions"), std::string::npos) << flickr.err;

  EXPECT_NE(run_eval("").code, 0);
  EXPECT_NE(run_eval("coco --gt " + gt).code, 0);  // --results is required
}

}  // namespace
