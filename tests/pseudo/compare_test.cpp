// Teacher-versus-student comparison: flattened metrics, the Markdown table, the bar chart.
#include "glip/pseudo/compare.h"

#include <gtest/gtest.h>

#include "common/test_utils.h"
#include "glip/core/error.h"
#include "glip/core/fs.h"
#include "glip/io/image.h"

namespace glip::pseudo {
namespace {

TEST(Compare, FlattenTableAndPlot) {
  auto j = nlohmann::json::parse(R"({"bbox": {"AP": 0.25, "AR": [0.5, 0.75]}, "name": "x", "ok": true})");
  auto m = flatten_metrics(j);
  EXPECT_EQ(m.size(), 3u);
  EXPECT_DOUBLE_EQ(m.at("bbox/AP"), 0.25);
  EXPECT_DOUBLE_EQ(m.at("bbox/AR/1"), 0.75);
  std::vector<RunMetrics> runs = {{"teacher", m}, {"student", {{"bbox/AP", 0.3}}}};
  const std::string t = comparison_table(runs, {"bbox/AP", "bbox/AR/1"}, {"AP", "R@10"});
  EXPECT_NE(t.find("| metric | teacher | student | student - teacher |"), std::string::npos) << t;
  EXPECT_NE(t.find("| AP | 0.2500 | 0.3000 | +0.0500 |"), std::string::npos) << t;
  EXPECT_NE(t.find("| R@10 | 0.7500 | - | - |"), std::string::npos) << t;
  const std::string png = glip::test::temp_dir("pseudo_compare") + "/c.png";
  plot_comparison(png, "teacher vs student", runs, {"bbox/AP", "bbox/AR/1"}, {"AP", "R@10"});
  cv::Mat img = io::read_image(png);
  EXPECT_EQ(img.rows, 520);
  EXPECT_GE(img.cols, 500);
  EXPECT_THROW(comparison_table(runs, {"a"}, {}), Error);
}

}  // namespace
}  // namespace glip::pseudo
