/**
 * LVISEval (iou_type="bbox") as lvis-api computes it with LVISResults(max_dets=300): federated rules
 * (a category is evaluated on an image only when it is annotated there or listed in neg_category_ids;
 * unmatched detections of not_exhaustive_category_ids are ignored), r/c/f frequency bins, AR@300.
 * With fixed_ap, the MDETR/GLIP "Fixed AP" protocol: the top 10,000 detections per category over the
 * whole dataset and no per-image cap (GLIP's LvisEvaluatorFixedAP).
 */
#pragma once
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "glip/evaluation/cocoeval_core.h"
#include "glip/formats/detection_json.h"

namespace glip::eval {

struct LvisEvalOptions {
  bool fixed_ap = false;
  int64_t max_dets_per_image = 300;   // LVISResults(max_dets=...) in the standard protocol
  int64_t topk_per_category = 10000;  // the Fixed AP budget
};

struct LvisEvalResult {
  std::vector<int64_t> image_ids;
  std::vector<int64_t> category_ids;
  EvalAccumulation accumulation;  // M == 1
  /** LVISEval.results in order: AP, AP50, AP75, APs, APm, APl, APr, APc, APf, AR@N, ARs@N, ARm@N, ARl@N
   *  (N = 300, or -1 under Fixed AP as the reference names them). */
  std::vector<std::pair<std::string, double>> metrics;
};

/**
 * Evaluates `results` (the raw results file) against an LVIS `gt`. Throws InputError for results naming
 * images not in gt, images without neg_category_ids / not_exhaustive_category_ids, and categories whose
 * `frequency` is not r, c or f.
 */
LvisEvalResult lvis_evaluate(const formats::GroundTruth& gt, const std::vector<formats::DetectionResult>& results,
                             const LvisEvalOptions& options, const std::string& results_path);

/** Metrics JSON: {"AP": .., ..., "ARl@300": .., "fixed_ap": bool}. */
std::string lvis_metrics_json(const LvisEvalResult& r, bool fixed_ap);

/** The table lvis-api prints. */
std::string lvis_summary_table(const LvisEvalResult& r);

}  // namespace glip::eval
