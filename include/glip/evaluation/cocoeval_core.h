/**
 * The matching and accumulation engine shared by COCOeval and LVISEval (bbox). It reproduces
 * pycocotools' evaluateImg/accumulate bit for bit: stable (mergesort) score ordering, the greedy
 * per-threshold matching with crowd and ignore rules, 101-point interpolated precision and max recall.
 * Categories are evaluated in parallel (at::parallel_for).
 */
#pragma once
#include <cstdint>
#include <vector>

#include "glip/formats/detection_json.h"

namespace glip::eval {

/** A ground-truth box of one (image, category) as the evaluator sees it. */
struct EvalGt {
  int32_t image = 0;  // index into the evaluated (sorted) image list
  formats::BoxXYWH box;
  double area = 0;
  int64_t id = 0;       // a match stores it; id 0 makes the match count as "no match" (as in the reference)
  bool ignore = false;  // ignored regardless of area (COCO: iscrowd, LVIS: `ignore`)
  bool crowd = false;   // IoU uses the detection area as union; may be matched repeatedly
};

/** A detection of one (image, category). */
struct EvalDt {
  int32_t image = 0;
  formats::BoxXYWH box;
  double area = 0;
  double score = 0;
  bool ignore_unmatched = false;  // LVIS not-exhaustive category: ignore when unmatched
};

/** Per category, the boxes in their reference order within each image (the engine groups by image, stably). */
struct EvalInput {
  int32_t num_images = 0;
  std::vector<std::vector<EvalGt>> gts;  // [category]
  std::vector<std::vector<EvalDt>> dts;  // [category]
};

struct EvalParams {
  std::vector<double> iou_thrs;                      // np.linspace(.5, .95, 10)
  std::vector<double> rec_thrs;                      // np.linspace(0, 1, 101)
  std::vector<std::pair<double, double>> area_rngs;  // all, small, medium, large
  std::vector<int64_t> max_dets;                     // accumulation cut per image (-1: none)
  int64_t per_image_cap = -1;                        // evaluateImg cut per (image, category) (-1: none)

  static EvalParams coco();
  static EvalParams lvis();
};

/** numpy.linspace(start, stop, num) with numpy's rounding (i * step + start, last = stop). */
std::vector<double> np_linspace(double start, double stop, int num);

/** Accumulated arrays with the reference's layout; -1 where no ground truth. */
struct EvalAccumulation {
  int64_t T = 0, R = 0, K = 0, A = 0, M = 0;
  std::vector<double> precision;  // [T][R][K][A][M]
  std::vector<double> recall;     // [T][K][A][M]
  double& prec(int64_t t, int64_t r, int64_t k, int64_t a, int64_t m) {
    return precision[(((t * R + r) * K + k) * A + a) * M + m];
  }
  double prec(int64_t t, int64_t r, int64_t k, int64_t a, int64_t m) const {
    return precision[(((t * R + r) * K + k) * A + a) * M + m];
  }
  double& rec(int64_t t, int64_t k, int64_t a, int64_t m) { return recall[((t * K + k) * A + a) * M + m]; }
  double rec(int64_t t, int64_t k, int64_t a, int64_t m) const { return recall[((t * K + k) * A + a) * M + m]; }
};

/** pycocotools' bbox IoU (maskApi.c bbIou) of a detection against a ground truth. */
double box_iou_coco(const formats::BoxXYWH& d, const formats::BoxXYWH& g, bool crowd);

/** Runs evaluate + accumulate. */
EvalAccumulation evaluate_accumulate(const EvalInput& input, const EvalParams& params);

/** numpy's mean of the values > -1 (pairwise summation as np.add.reduce); -1 when there are none. */
double mean_defined(const std::vector<double>& values);

}  // namespace glip::eval
