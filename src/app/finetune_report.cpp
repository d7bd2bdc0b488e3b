#include "glip/app/finetune_report.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <filesystem>
#include <set>

#include "glip/core/error.h"
#include "glip/core/fs.h"
#include "glip/core/logging.h"
#include "glip/inference/model_eval.h"
#include "glip/text/tokenizer.h"

namespace glip::app {
namespace {

using nlohmann::ordered_json;

void flatten(const ordered_json& j, const std::string& prefix, std::vector<std::pair<std::string, double>>& out) {
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string& k = it.key();
    const ordered_json& v = it.value();
    if (k.rfind("per_category", 0) == 0) continue;
    const std::string name = prefix.empty() ? k : prefix + "/" + k;
    if (v.is_object()) flatten(v, name, out);
    else if (v.is_number()) out.emplace_back(name, v.get<double>());
  }
}

std::string primary_metric(const std::string& protocol, const std::vector<std::pair<std::string, double>>& values) {
  if (protocol == "odinw") return "mean_AP";
  if (protocol != "flickr") return "AP";
  for (const auto& [k, v] : values)
    if (k.rfind("recall/1/", 0) == 0) return k;  // R@1 of the first category ("all")
  return values.empty() ? "" : values.front().first;
}

std::string fmt(double v) {
  char b[32];
  std::snprintf(b, sizeof b, "%.4f", v);
  return b;
}

std::string signed_fmt(double v) {
  char b[32];
  std::snprintf(b, sizeof b, "%+.4f", v);
  return b;
}

}  // namespace

std::vector<std::string> finetune_datasets(const GlipConfig& cfg) {
  inference::validate(cfg.eval);
  if (cfg.finetune.datasets.empty()) {
    GLIP_CHECK_INPUT(!cfg.eval.datasets.empty(),
                     "config key 'finetune.eval_before_after' is on but "
                     "'eval.datasets' lists no dataset to evaluate before and after training");
    std::vector<std::string> all;
    for (const auto& d : cfg.eval.datasets) all.push_back(d.name);
    return all;
  }
  std::set<std::string> names;
  for (const auto& d : cfg.eval.datasets) names.insert(d.name);
  for (size_t i = 0; i < cfg.finetune.datasets.size(); ++i) {
    const std::string& n = cfg.finetune.datasets[i];
    GLIP_CHECK_INPUT(names.count(n), "config key 'finetune.datasets.", i, "': '", n,
                     "' is not the name of an eval.datasets entry");
  }
  return cfg.finetune.datasets;
}

DatasetMetrics metrics_of(const std::string& metrics_json) {
  const ordered_json j = ordered_json::parse(metrics_json);
  DatasetMetrics m;
  m.dataset = j.value("dataset", "");
  m.protocol = j.value("protocol", "");
  if (j.contains("metrics")) flatten(j["metrics"], "", m.values);
  m.primary = primary_metric(m.protocol, m.values);
  return m;
}

StageMetrics evaluate_stage(const GlipConfig& cfg, modeling::GlipModel model, const std::string& data_root,
                            const std::string& out_dir, at::Device device, bool show_progress) {
  const auto names = finetune_datasets(cfg);
  const inference::Predictor predictor(std::move(model), text::make_tokenizer(), predictor_options(cfg), device);
  inference::ModelEvalRun run = model_eval_run(cfg, predictor, data_root, out_dir);
  run.show_progress = show_progress;
  StageMetrics out;
  for (const auto& n : names) out.push_back(metrics_of(inference::evaluate_dataset(cfg.eval, n, run).metrics_json));
  return out;
}

StageMetrics read_stage(const GlipConfig& cfg, const std::string& out_dir) {
  StageMetrics out;
  for (const auto& n : finetune_datasets(cfg)) {
    const std::string path = out_dir + "/" + n + "/metrics.json";
    if (!std::filesystem::is_regular_file(path)) return {};
    out.push_back(metrics_of(read_file(path)));
  }
  return out;
}

std::vector<ReportRow> compare_stages(const StageMetrics& before, const StageMetrics& after) {
  std::vector<ReportRow> rows;
  for (const auto& a : after) {
    const DatasetMetrics* b = nullptr;
    for (const auto& x : before)
      if (x.dataset == a.dataset) b = &x;
    if (b == nullptr) continue;
    for (const auto& [metric, value] : a.values) {
      for (const auto& [bm, bv] : b->values) {
        if (bm != metric) continue;
        rows.push_back({a.dataset, metric, bv, value, metric == a.primary});
        break;
      }
    }
  }
  return rows;
}

std::string report_json(const std::vector<ReportRow>& rows, const ReportInfo& info) {
  ordered_json j;
  j["mode"] = info.mode;
  j["start_weights"] = info.start_weights.empty() ? "random initialisation" : info.start_weights;
  j["final_weights"] = info.final_weights;
  j["iterations"] = info.iterations;
  ordered_json list = ordered_json::array();
  for (const auto& r : rows)
    list.push_back({{"dataset", r.dataset},
                    {"metric", r.metric},
                    {"before", r.before},
                    {"after", r.after},
                    {"delta", r.after - r.before},
                    {"primary", r.primary}});
  j["rows"] = list;
  return j.dump(2) + "\n";
}

std::string report_markdown(const std::vector<ReportRow>& rows, const ReportInfo& info) {
  std::string md = "# Fine-tuning report\n\n";
  md += "- mode: `" + info.mode + "`\n";
  md += "- starting weights (zero-shot): " +
        (info.start_weights.empty() ? std::string("random initialisation") : "`" + info.start_weights + "`") + "\n";
  md += "- fine-tuned weights: `" + info.final_weights + "` (" + std::to_string(info.iterations) + " iterations)\n\n";
  md += "| dataset | metric | before (zero-shot) | after (fine-tuned) | delta |\n|---|---|---:|---:|---:|\n";
  for (const bool primary : {true, false})
    for (const auto& r : rows)
      if (r.primary == primary)
        md += "| " + r.dataset + " | " + r.metric + " | " + fmt(r.before) + " | " + fmt(r.after) + " | " +
              signed_fmt(r.after - r.before) + " |\n";
  return md;
}

void write_finetune_report(const std::string& work_dir, const std::vector<ReportRow>& rows, const ReportInfo& info) {
  write_file_atomic(work_dir + "/finetune_report.json", report_json(rows, info));
  write_file_atomic(work_dir + "/finetune_report.md", report_markdown(rows, info));
  GLIP_LOG_INFO("[finetune] {:<24} {:<16} {:>10} {:>10} {:>10}", "dataset", "metric", "before", "after", "delta");
  for (const auto& r : rows)
    if (r.primary)
      GLIP_LOG_INFO("[finetune] {:<24} {:<16} {:>10.4f} {:>10.4f} {:>+10.4f}", r.dataset, r.metric, r.before, r.after,
                    r.after - r.before);
  GLIP_LOG_INFO("[finetune] every metric: {}/finetune_report.md (and .json)", work_dir);
}

}  // namespace glip::app
