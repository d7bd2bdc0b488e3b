// glip_eval: evaluates a model on a configured dataset, or scores a results file the way the reference tools do.
//   glip_eval --config C --checkpoint K --dataset NAME [--data-root D] [--out DIR]   (see docs/evaluation.md)
//   glip_eval --config C --checkpoint K --dataset NAME --phrase-probe                 (does it ground words?)
//   glip_eval coco   --gt GT.json --results RES.json [--out METRICS.json]
//   glip_eval lvis   --gt GT.json --results RES.json [--fixed-ap] [--out METRICS.json]
//   glip_eval flickr --root DIR --split test --results RES.json [--merge-boxes] [--out METRICS.json]
#include <CLI/CLI.hpp>

#include <chrono>
#include <iostream>

#include "cli_common.h"
#include "glip/core/fs.h"
#include "glip/evaluation/coco_eval.h"
#include "glip/evaluation/flickr_eval.h"
#include "glip/evaluation/lvis_eval.h"
#include "glip/formats/detection_json.h"
#include "glip/formats/flickr.h"
#include "glip_eval_model.h"

namespace {

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

void emit(const std::string& table, const std::string& json, const std::string& out_path) {
  std::cout << table;
  if (!out_path.empty()) {
    glip::write_file_atomic(out_path, json);
    std::cout << "wrote " << out_path << "\n";
  }
}

}  // namespace

int main(int argc, char** argv) {
  return glip::cli::run_main([&]() -> int {
    CLI::App app{
        "glip_eval: evaluate a model on a dataset of the config (--config C --checkpoint K --dataset NAME), "
        "or score a results file (subcommands coco, lvis, flickr) exactly as the reference tools"};
    app.require_subcommand(0, 1);
    glip::tools::ModelEvalArgs margs;
    glip::cli::add_config_options(app, margs.config);
    app.add_option("--checkpoint", margs.checkpoint, "model mode: official .pth or project .safetensors checkpoint");
    app.add_option("--dataset", margs.dataset,
                   "model mode: name of a dataset in the config's eval.datasets "
                   "(default: its only dataset that is not an odinw member)");
    app.add_option("--data-root", margs.data_root,
                   "model mode: folder the dataset paths are relative to "
                   "(default: $GLIP_DATA_ROOT)");
    app.add_option("--out", margs.out,
                   "model mode: output folder (default: the config's work_dir); results and "
                   "metrics go to OUT/<dataset>/");
    app.add_flag("--no-feature-reuse", margs.no_feature_reuse,
                 "model mode: run the backbone again for every prompt chunk (slower; checks the reuse)");
    app.add_flag("--phrase-probe", margs.phrase_probe,
                 "model mode, coco-protocol dataset: prompt each category name alone and report, per object, the "
                 "score of its own name against the best other name (OUT/<dataset>/phrase_probe.json)");
    std::string gt, results, out, root, split = "test";
    bool fixed_ap = false, merge_boxes = false;

    auto* coco = app.add_subcommand("coco", "COCOeval bbox (pycocotools) of a COCO results file");
    coco->add_option("--gt", gt, "COCO instances JSON")->required();
    coco->add_option("--results", results, "COCO results JSON (list of {image_id, category_id, bbox, score})")
        ->required();
    coco->add_option("--out", out, "write the metrics JSON here");

    auto* lvis = app.add_subcommand("lvis", "LVISEval bbox (lvis-api) of a results file");
    lvis->add_option("--gt", gt, "LVIS v1 annotations JSON")->required();
    lvis->add_option("--results", results, "results JSON")->required();
    lvis->add_flag("--fixed-ap", fixed_ap, "MDETR/GLIP Fixed AP: top 10,000 per category, no per-image cap");
    lvis->add_option("--out", out, "write the metrics JSON here");

    auto* flickr = app.add_subcommand("flickr", "Flickr30K Entities recall (MDETR's evaluator)");
    flickr->add_option("--root", root, "Flickr30K Entities folder (<split>.txt, Annotations/, Sentences/)")->required();
    flickr->add_option("--split", split, "train, val or test")->capture_default_str();
    flickr->add_option("--results", results, "JSON list of {image_id, sentence_id, boxes}")->required();
    flickr->add_flag("--merge-boxes", merge_boxes, "merge each phrase's ground-truth boxes into one");
    flickr->add_option("--out", out, "write the metrics JSON here");

    if (auto code = glip::cli::parse_args(app, argc, argv)) return *code;

    if (app.get_subcommands().empty()) {
      if (!margs.config.dump && margs.checkpoint.empty())
        return glip::cli::usage_error(app,
                                      "model mode needs --checkpoint (and --dataset when the config has "
                                      "several datasets), or give a subcommand: coco, lvis, flickr");
      return glip::tools::run_model_eval(margs);
    }
    const auto t0 = std::chrono::steady_clock::now();
    if (*coco) {
      auto gt_data = glip::formats::load_ground_truth(gt);
      auto dets = glip::formats::load_results(results);
      const double t_load = seconds_since(t0);
      auto r = glip::eval::coco_evaluate(gt_data, dets, results);
      emit(glip::eval::coco_summary_table(r), glip::eval::coco_metrics_json(r), out);
      std::cerr << "glip_eval coco: " << gt_data.images.size() << " images, " << gt_data.annotations.size()
                << " annotations, " << dets.size() << " detections; load " << t_load << " s, total "
                << seconds_since(t0) << " s\n";
    } else if (*lvis) {
      auto gt_data = glip::formats::load_ground_truth(gt);
      auto dets = glip::formats::load_results(results);
      glip::eval::LvisEvalOptions opt;
      opt.fixed_ap = fixed_ap;
      auto r = glip::eval::lvis_evaluate(gt_data, dets, opt, results);
      emit(glip::eval::lvis_summary_table(r), glip::eval::lvis_metrics_json(r, fixed_ap), out);
      std::cerr << "glip_eval lvis: total " << seconds_since(t0) << " s\n";
    } else if (*flickr) {
      glip::eval::FlickrEvaluator ev(root, split, merge_boxes);
      auto preds = glip::formats::load_flickr_predictions(results);
      auto r = ev.evaluate(preds);
      emit(glip::eval::flickr_summary_table(r), glip::eval::flickr_metrics_json(r), out);
    }
    return glip::cli::kOk;
  });
}
