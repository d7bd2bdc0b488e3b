/**
 * The zero-shot before / fine-tuned after comparison of glip_train (finetune.eval_before_after): the datasets
 * of eval.datasets are evaluated with the existing evaluators (inference::evaluate_dataset) on the starting weights
 * before training and on the final weights after, and WORK_DIR/finetune_report.json / .md list every metric
 * with its value before, after and the difference (docs/formats.md, "Fine-tuning report").
 */
#pragma once
#include <ATen/ATen.h>

#include <string>
#include <utility>
#include <vector>

#include "glip/app/glip_config.h"
#include "glip/modeling/glip_model.h"

namespace glip::app {

/** The metrics of one dataset in one stage: (name, value) in the scorer's order; nested keys joined by '/'. */
struct DatasetMetrics {
  std::string dataset;
  std::string protocol;
  std::string primary;  ///< the headline metric (coco/lvis "AP", odinw "mean_AP", flickr "recall/1/all")
  std::vector<std::pair<std::string, double>> values;
};

using StageMetrics = std::vector<DatasetMetrics>;

/** The datasets evaluated: finetune.datasets, or every eval.datasets entry; InputError naming the key. */
std::vector<std::string> finetune_datasets(const GlipConfig& cfg);

/**
 * The metrics of a metrics.json written by inference::evaluate_dataset: the numbers of its "metrics" object
 * (per-category entries left out), nested objects flattened with '/'.
 */
DatasetMetrics metrics_of(const std::string& metrics_json);

/**
 * Evaluates `model` on finetune_datasets(cfg) with the evaluation settings of glip_eval (model_eval_run);
 * each dataset's results and metrics.json go to out_dir/<dataset>/.
 */
StageMetrics evaluate_stage(const GlipConfig& cfg, modeling::GlipModel model, const std::string& data_root,
                            const std::string& out_dir, at::Device device, bool show_progress);

/** Reads back the metrics.json files of a stage evaluated earlier (resume); empty when one is missing. */
StageMetrics read_stage(const GlipConfig& cfg, const std::string& out_dir);

/** One line of the report. */
struct ReportRow {
  std::string dataset;
  std::string metric;
  double before = 0, after = 0;
  bool primary = false;
};

/** Pairs the metrics of the two stages (those present in both, in the order of `after`). */
std::vector<ReportRow> compare_stages(const StageMetrics& before, const StageMetrics& after);

/** What the report says about the run besides the numbers. */
struct ReportInfo {
  std::string mode;           ///< solver.tuning_highlevel_override
  std::string start_weights;  ///< the starting checkpoint ("" = random initialisation)
  std::string final_weights;  ///< WORK_DIR/model_final.safetensors
  int64_t iterations = 0;
};

/** The report as JSON text ({"mode", ..., "rows": [{"dataset", "metric", "before", "after", "delta", ...}]}). */
std::string report_json(const std::vector<ReportRow>& rows, const ReportInfo& info);
/** The report as a Markdown table (the primary metrics first, then the others). */
std::string report_markdown(const std::vector<ReportRow>& rows, const ReportInfo& info);

/** Writes work_dir/finetune_report.json and .md (atomically) and logs the primary rows as a table. */
void write_finetune_report(const std::string& work_dir, const std::vector<ReportRow>& rows, const ReportInfo& info);

}  // namespace glip::app
