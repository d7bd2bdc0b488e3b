// evaluate_dataset: inference with the dataset's protocol, the standard results file, scoring, metrics JSON.
#include "glip/inference/model_eval.h"

#include <nlohmann/json.hpp>

#include <filesystem>

#include "glip/core/error.h"
#include "glip/core/fs.h"
#include "glip/core/logging.h"
#include "glip/core/progress.h"
#include "glip/core/sha256.h"
#include "glip/data/data_config.h"
#include "glip/data/readers.h"
#include "glip/evaluation/coco_eval.h"
#include "glip/evaluation/flickr_eval.h"
#include "glip/evaluation/lvis_eval.h"
#include "glip/formats/detection_json.h"
#include "glip/formats/flickr.h"
#include "glip/inference/batch_detect.h"
#include "glip/inference/flickr_grounding.h"
#include "glip/inference/odinw_eval.h"
#include "inference/eval_report.h"

namespace glip::inference {

using eval::coco_evaluate;
using eval::coco_metrics_json;
using eval::coco_summary_table;
using eval::flickr_metrics_json;
using eval::flickr_summary_table;
using eval::FlickrEvaluator;
using eval::lvis_evaluate;
using eval::lvis_metrics_json;
using eval::lvis_summary_table;
using eval::LvisEvalOptions;
using formats::GroundTruth;
using formats::load_flickr_predictions;
using formats::load_ground_truth;
using formats::load_results;

namespace {

std::string existing(const ModelEvalRun& run, const EvalDatasetConfig& ds, const std::string& key,
                     const std::string& path) {
  const std::string p = data::resolve_data_path(run.data_root, path);
  GLIP_CHECK_INPUT(std::filesystem::exists(p), "dataset '", ds.name, "': ", key, " '", p,
                   "' does not exist (paths are relative to --data-root / GLIP_DATA_ROOT '", run.data_root, "')");
  return p;
}

ojson record_of(const ModelEvalRun& run, const EvalDatasetConfig& ds, const std::string& annotation) {
  ojson rec = ojson::parse(run.record_json.empty() ? "{}" : run.record_json);
  rec["dataset"] = ds.name;
  rec["protocol"] = ds.protocol;
  rec["annotation"] = annotation;
  rec["annotation_sha256"] = sha256_file(annotation);
  rec["ims_per_batch"] = run.batch_size;
  rec["feature_reuse"] = run.reuse_features;
  return rec;
}

InferenceOptions inference_options(const ModelEvalRun& run, ProgressMeter& meter) {
  InferenceOptions o;
  o.batch_size = run.batch_size;
  o.reuse_features = run.reuse_features;
  o.on_images_done = [&meter](int64_t n) { meter.advance(n); };
  return o;
}

DatasetEvalReport evaluate_detection(const EvalDatasetConfig& ds, const ModelEvalRun& run, const std::string& dir) {
  const std::string ann = existing(run, ds, "annotation", ds.annotation);
  const std::string root = data::resolve_data_path(run.data_root, ds.image_root);
  const bool lvis = ds.protocol == "lvis" || ds.protocol == "lvis_fixed";
  const GroundTruth gt = load_ground_truth(ann);
  const data::RecordSet set = lvis ? data::read_lvis(ann, root) : data::read_coco_detection(ann, root);
  std::vector<EvalImage> images;
  for (const auto& r : set.records) images.push_back({r.image_id, r.image});
  std::map<int64_t, std::string> categories;
  for (const auto& c : gt.categories) categories[c.id] = c.name;
  const auto& pred = *run.predictor;
  const int64_t chunk = effective_chunk_size(ds, run.default_chunk_size);
  // The protocol's cut per image and prompt chunk for this dataset only (LVIS: 300), restored afterwards.
  struct DetectionsCut {
    modeling::GlipModel model;
    int64_t saved;
    ~DetectionsCut() { model->set_detections_per_image(saved); }
  } cut{pred.model(), pred.model()->detections_per_image()};
  cut.model->set_detections_per_image(effective_detections_per_image(ds, cut.saved));
  text::ClassPrompts parts;
  const std::string what = str_cat("eval dataset '", ds.name, "' (file '", ann, "')");
  if (!ds.override_category.empty() || !ds.caption_prompt.empty()) {
    data::DataConfig own;  // the dataset's own prompts replace data.*'s
    own.override_category = ds.override_category;
    own.caption_prompt = ds.caption_prompt;
    parts = data::class_prompts(own, categories, what, str_cat("eval.datasets[", ds.name, "]"));
  } else if (run.class_prompts) {
    parts = run.class_prompts(categories, what);
  }
  const auto queries = text::plan_category_queries(categories, pred.tokenizer(), chunk, pred.options().max_query_len,
                                                   parts.empty() ? nullptr : &parts);
  std::vector<text::Prompt> prompts;
  for (const auto& q : queries) prompts.push_back(q.prompt);
  GLIP_LOG_INFO("[eval] {}: {} images, {} categories in {} prompt(s), protocol {}", ds.name, images.size(),
                categories.size(), prompts.size(), ds.protocol);

  ProgressMeter meter("[eval] " + ds.name, static_cast<int64_t>(images.size()), "images",
                      run.show_progress ? stderr : nullptr);
  const auto dets = detect_images(pred, images, prompts, inference_options(run, meter));
  meter.finish();
  const auto results = to_results(images, dets, /*plus_one=*/!lvis);
  const std::string results_path = dir + "/results.json";
  write_file_atomic(results_path, results_json(results));
  // Score what was written (an empty file scores as the official code does with no detections: zeros).
  const auto scored = results.empty() ? results : load_results(results_path);

  ojson metrics;
  std::string table;
  if (lvis) {
    LvisEvalOptions opt;
    opt.fixed_ap = ds.protocol == "lvis_fixed";
    const auto r = lvis_evaluate(gt, scored, opt, results_path);
    metrics["metrics"] = ojson::parse(lvis_metrics_json(r, opt.fixed_ap));
    table = lvis_summary_table(r);
  } else {
    const auto r = coco_evaluate(gt, scored, results_path);
    metrics["metrics"] = ojson::parse(coco_metrics_json(r));
    table = coco_summary_table(r);
  }
  ojson rec = record_of(run, ds, ann);
  rec["chunk_size"] = chunk;
  rec["prompts"] = prompts.size();
  if (!parts.empty()) rec["first_prompt"] = prompts.front().text;
  rec["image_root"] = root;
  metrics["dataset"] = ds.name;
  metrics["protocol"] = ds.protocol;
  metrics["results_file"] = results_path;
  metrics["detections"] = results.size();
  metrics["reproducibility"] = rec;
  return finish_report(dir, metrics, table, static_cast<int64_t>(images.size()), meter);
}

DatasetEvalReport evaluate_flickr(const EvalDatasetConfig& ds, const ModelEvalRun& run, const std::string& dir) {
  const std::string ann = existing(run, ds, "annotation", ds.annotation);
  const std::string flickr_root = existing(run, ds, "flickr_root", ds.flickr_root);
  const std::string root = data::resolve_data_path(run.data_root, ds.image_root);
  const FlickrEvaluator evaluator(flickr_root, ds.split, ds.merge_boxes);  // fails early on a bad tree
  const auto queries = read_flickr_queries(ann, root);
  GLIP_LOG_INFO("[eval] {}: {} sentences, protocol flickr ({} split, merge_boxes {})", ds.name, queries.size(),
                ds.split, ds.merge_boxes);
  ProgressMeter meter("[eval] " + ds.name, static_cast<int64_t>(queries.size()), "sentences",
                      run.show_progress ? stderr : nullptr);
  const std::string text = ground_flickr(*run.predictor, queries, inference_options(run, meter));
  meter.finish();
  const std::string results_path = dir + "/results.json";
  write_file_atomic(results_path, text);
  const auto r = evaluator.evaluate(load_flickr_predictions(results_path));
  ojson metrics;
  metrics["dataset"] = ds.name;
  metrics["protocol"] = ds.protocol;
  metrics["results_file"] = results_path;
  metrics["metrics"] = ojson::parse(flickr_metrics_json(r));
  ojson rec = record_of(run, ds, ann);
  rec["flickr_root"] = flickr_root;
  rec["split"] = ds.split;
  rec["image_root"] = root;
  metrics["reproducibility"] = rec;
  return finish_report(dir, metrics, flickr_summary_table(r), static_cast<int64_t>(queries.size()), meter);
}

}  // namespace

DatasetEvalReport evaluate_dataset(const EvalConfig& cfg, const std::string& name, const ModelEvalRun& run) {
  GLIP_CHECK(run.predictor != nullptr, "evaluate_dataset: no predictor");
  validate(cfg);
  const EvalDatasetConfig& ds = find_dataset(cfg, name);
  const std::string dir = run.out_dir + "/" + ds.name;
  std::error_code ec;
  const bool existed = std::filesystem::exists(dir, ec);
  std::filesystem::create_directories(dir, ec);
  GLIP_CHECK_INPUT(!ec, "cannot create output folder '", dir, "': ", ec.message());
  try {
    if (ds.protocol == "odinw") return evaluate_odinw(cfg, ds, run, dir);
    if (ds.protocol == "flickr") return evaluate_flickr(ds, run, dir);
    return evaluate_detection(ds, run, dir);
  } catch (...) {
    // A failed evaluation leaves no partial output folder behind (e.g. the LVIS protocol on a COCO file).
    if (!existed) std::filesystem::remove_all(dir, ec);
    throw;
  }
}

}  // namespace glip::inference
