// The before/after report of glip_train: metrics read from inference::evaluate_dataset's metrics.json, paired,
// written as JSON and Markdown; the dataset selection and its errors.
#include "glip/app/finetune_report.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "common/test_utils.h"
#include "glip/config/config.h"
#include "glip/core/error.h"
#include "glip/core/fs.h"

namespace glip::app {
namespace {

const char* kCoco = R"({"dataset": "val", "protocol": "coco", "metrics": {"AP": 0.25, "AP50": 0.5,
  "per_category_AP": {"1": 0.1}}, "images": 3})";
const char* kFlickr = R"({"dataset": "fl", "protocol": "flickr", "metrics": {"merge_boxes": false,
  "recall": {"1": {"all": 0.4, "people": 0.3}, "5": {"all": 0.7}}}})";

TEST(FinetuneReport, MetricsOfFlattensNumbersAndPicksThePrimary) {
  const DatasetMetrics c = metrics_of(kCoco);
  EXPECT_EQ(c.dataset, "val");
  EXPECT_EQ(c.primary, "AP");
  ASSERT_EQ(c.values.size(), 2u);  // per-category entries and non-metrics are left out
  EXPECT_EQ(c.values[1].first, "AP50");
  const DatasetMetrics f = metrics_of(kFlickr);
  EXPECT_EQ(f.primary, "recall/1/all");
  ASSERT_EQ(f.values.size(), 3u);
  EXPECT_EQ(f.values[2].first, "recall/5/all");
  EXPECT_EQ(metrics_of(R"({"dataset": "o", "protocol": "odinw", "metrics": {"mean_AP": 0.2}})").primary, "mean_AP");
}

TEST(FinetuneReport, ComparesStagesAndWritesJsonAndMarkdown) {
  DatasetMetrics after = metrics_of(kCoco);
  after.values[0].second = 0.375;  // AP 0.25 -> 0.375
  const auto rows = compare_stages({metrics_of(kCoco), metrics_of(kFlickr)}, {after});
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_TRUE(rows[0].primary);
  EXPECT_DOUBLE_EQ(rows[0].before, 0.25);
  EXPECT_DOUBLE_EQ(rows[0].after, 0.375);
  EXPECT_FALSE(rows[1].primary);
  ReportInfo info{"linear_prob", "", "w/model_final.safetensors", 40};
  const std::string dir = test::temp_dir("finetune_report");
  write_finetune_report(dir, rows, info);
  const auto j = nlohmann::json::parse(read_file(dir + "/finetune_report.json"));
  EXPECT_EQ(j["mode"], "linear_prob");
  EXPECT_EQ(j["start_weights"], "random initialisation");
  EXPECT_EQ(j["iterations"], 40);
  EXPECT_DOUBLE_EQ(j["rows"][0]["delta"].get<double>(), 0.125);
  const std::string md = read_file(dir + "/finetune_report.md");
  EXPECT_NE(md.find("| val | AP | 0.2500 | 0.3750 | +0.1250 |"), std::string::npos) << md;
  EXPECT_NE(md.find("before (zero-shot)"), std::string::npos) << md;
}

TEST(FinetuneReport, DatasetSelectionNamesTheKey) {
  GlipConfig cfg;
  EXPECT_THROW(finetune_datasets(cfg), InputError);  // nothing to evaluate
  config::load_string(cfg, R"(
eval:
  datasets:
    - {name: a, protocol: coco, annotation: a.json}
    - {name: b, protocol: coco, annotation: b.json}
finetune: {eval_before_after: true, datasets: [b]}
)");
  EXPECT_EQ(finetune_datasets(cfg), (std::vector<std::string>{"b"}));
  cfg.finetune.datasets = {"b", "c"};
  try {
    finetune_datasets(cfg);
    FAIL() << "expected an error";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("finetune.datasets.1"), std::string::npos) << e.what();
  }
  cfg.finetune.datasets.clear();
  EXPECT_EQ(finetune_datasets(cfg).size(), 2u);
}

}  // namespace
}  // namespace glip::app
