#include "glip/inference/odinw_eval.h"

#include <cstdio>

#include "glip/core/progress.h"
#include "inference/eval_report.h"

namespace glip::inference {

DatasetEvalReport evaluate_odinw(const EvalConfig& cfg, const EvalDatasetConfig& ds, const ModelEvalRun& run,
                                 const std::string& dir) {
  ModelEvalRun sub = run;
  sub.out_dir = dir;
  ojson members = ojson::object();
  std::string table;
  double sum = 0;
  int64_t images = 0;
  ProgressMeter total("[eval] " + ds.name, -1, "images", nullptr);
  for (const auto& m : ds.members) {
    const DatasetEvalReport r = evaluate_dataset(cfg, m, sub);
    const ojson mj = ojson::parse(r.metrics_json);
    const double ap = mj["metrics"]["AP"].get<double>();
    sum += ap;
    images += r.images;
    members[m] = mj;
    char line[160];
    std::snprintf(line, sizeof line, "  %-32s AP %.4f  (%lld images)\n", m.c_str(), ap, (long long)r.images);
    table += line;
  }
  const double mean = sum / static_cast<double>(ds.members.size());
  char line[96];
  std::snprintf(line, sizeof line, "  %-32s AP %.4f\n", "mean", mean);
  table = "ODinW-style mean AP over " + std::to_string(ds.members.size()) + " datasets:\n" + table + line;
  ojson metrics;
  metrics["dataset"] = ds.name;
  metrics["protocol"] = ds.protocol;
  metrics["metrics"] = {{"mean_AP", mean}};
  metrics["members"] = members;
  ojson rec = ojson::parse(run.record_json.empty() ? "{}" : run.record_json);
  rec["dataset"] = ds.name;
  rec["protocol"] = ds.protocol;
  rec["members"] = ds.members;
  metrics["reproducibility"] = rec;
  return finish_report(dir, metrics, table, images, total);
}

}  // namespace glip::inference
