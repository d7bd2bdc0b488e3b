/**
 * COCOeval (iouType="bbox") as pycocotools computes it: COCO(gt).loadRes(results), evaluate(),
 * accumulate(), summarize(); plus the per-category AP (IoU .50:.95, area all, 100 detections).
 */
#pragma once
#include <array>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "glip/evaluation/cocoeval_core.h"
#include "glip/formats/detection_json.h"

namespace glip::eval {

struct CocoEvalResult {
  std::vector<int64_t> image_ids;                           // params.imgIds (sorted, unique)
  std::vector<int64_t> category_ids;                        // params.catIds (sorted, unique)
  EvalAccumulation accumulation;                            // precision [T][R][K][A][M], recall [T][K][A][M]
  std::array<double, 12> stats{};                           // COCOeval.stats
  std::vector<std::pair<int64_t, double>> per_category_ap;  // -1 where undefined
};

/** Names of COCOeval.stats in order: AP, AP50, AP75, APs, APm, APl, AR1, AR10, AR100, ARs, ARm, ARl. */
const std::array<const char*, 12>& coco_stat_names();

/**
 * Evaluates `results` against `gt`. Throws InputError (naming `results_path` / the gt file) for results
 * naming images not in gt ("Results do not correspond to current coco set") and for evaluated
 * annotations without `area` or `iscrowd`.
 */
CocoEvalResult coco_evaluate(const formats::GroundTruth& gt, const std::vector<formats::DetectionResult>& results,
                             const std::string& results_path);

/** Metrics JSON: {"AP": .., ..., "ARl": .., "per_category_AP": {"<id>": ap}}. */
std::string coco_metrics_json(const CocoEvalResult& r);

/** The summary table pycocotools prints. */
std::string coco_summary_table(const CocoEvalResult& r);

}  // namespace glip::eval
