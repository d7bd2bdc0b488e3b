#include "glip/evaluation/coco_eval.h"

#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <numeric>

#include "evaluation/eval_prepare.h"
#include "glip/core/error.h"

namespace glip::eval {

using formats::check_result_images;
using formats::DetectionResult;
using formats::GroundTruth;
using formats::GtAnnotation;

namespace {

// COCOeval._prepare with useCats=1: gts and dts per category in the reference's order.
EvalInput prepare_coco(const GroundTruth& gt, const std::vector<DetectionResult>& results, const IdIndex& images,
                       const IdIndex& cats) {
  EvalInput in;
  in.num_images = static_cast<int32_t>(images.ids.size());
  in.gts.resize(cats.ids.size());
  in.dts.resize(cats.ids.size());
  auto selected = select_annotations(gt, images, [&](const GtAnnotation& a) { return cats.find(a.category_id) >= 0; });
  for (int32_t i : selected) {
    const GtAnnotation& a = gt.annotations[i];
    const int32_t img = images.find(a.image_id), k = cats.find(a.category_id);
    if (img < 0 || k < 0) continue;
    check_annotation_fields(gt, i, /*need_iscrowd=*/true);
    EvalGt g = to_eval_gt(img, a);
    g.ignore = a.iscrowd != 0;             // gt['ignore'] = 'iscrowd' in gt and gt['iscrowd']
    g.crowd = std::trunc(a.iscrowd) != 0;  // int(o['iscrowd'])
    in.gts[k].push_back(g);
  }
  std::vector<int32_t> order(results.size());
  std::iota(order.begin(), order.end(), 0);
  auto per_image = bucket_by_image(results, order, images);
  for (int32_t img = 0; img < in.num_images; ++img) {
    for (int32_t i : per_image[img]) {
      const DetectionResult& r = results[i];
      const int32_t k = cats.find(r.category_id);
      if (k < 0) continue;
      EvalDt d;
      d.image = img;
      d.box = r.bbox;
      d.area = r.bbox.w * r.bbox.h;  // loadRes: ann['area'] = bb[2]*bb[3]
      d.score = r.score;
      in.dts[k].push_back(d);
    }
  }
  return in;
}

int64_t find_thr(const std::vector<double>& thrs, double v) {
  for (size_t i = 0; i < thrs.size(); ++i) {
    if (thrs[i] == v) return static_cast<int64_t>(i);
  }
  return -1;
}

// COCOeval.summarize()._summarize
double summarize(const EvalAccumulation& acc, const EvalParams& p, bool ap, double iou_thr, int64_t a,
                 int64_t max_det) {
  int64_t m = -1;
  for (size_t i = 0; i < p.max_dets.size(); ++i) {
    if (p.max_dets[i] == max_det) m = static_cast<int64_t>(i);
  }
  std::vector<int64_t> ts;
  if (std::isnan(iou_thr)) {
    for (int64_t t = 0; t < acc.T; ++t) ts.push_back(t);
  } else if (int64_t t = find_thr(p.iou_thrs, iou_thr); t >= 0) {
    ts.push_back(t);
  }
  std::vector<double> s;
  if (m < 0) return -1;
  for (int64_t t : ts) {
    if (ap) {
      for (int64_t r = 0; r < acc.R; ++r) {
        for (int64_t k = 0; k < acc.K; ++k) s.push_back(acc.prec(t, r, k, a, m));
      }
    } else {
      for (int64_t k = 0; k < acc.K; ++k) s.push_back(acc.rec(t, k, a, m));
    }
  }
  return mean_defined(s);
}

}  // namespace

const std::array<const char*, 12>& coco_stat_names() {
  static const std::array<const char*, 12> names = {"AP",  "AP50", "AP75",  "APs", "APm", "APl",
                                                    "AR1", "AR10", "AR100", "ARs", "ARm", "ARl"};
  return names;
}

CocoEvalResult coco_evaluate(const GroundTruth& gt, const std::vector<DetectionResult>& results,
                             const std::string& results_path) {
  check_result_images(gt, results, results_path, "coco");
  const IdIndex images = image_index(gt);
  const IdIndex cats = category_index(gt);
  const EvalParams p = EvalParams::coco();
  CocoEvalResult out;
  out.image_ids = images.ids;
  out.category_ids = cats.ids;
  out.accumulation = evaluate_accumulate(prepare_coco(gt, results, images, cats), p);
  const EvalAccumulation& acc = out.accumulation;
  const double all = std::nan("");
  out.stats = {summarize(acc, p, true, all, 0, 100),  summarize(acc, p, true, 0.5, 0, 100),
               summarize(acc, p, true, 0.75, 0, 100), summarize(acc, p, true, all, 1, 100),
               summarize(acc, p, true, all, 2, 100),  summarize(acc, p, true, all, 3, 100),
               summarize(acc, p, false, all, 0, 1),   summarize(acc, p, false, all, 0, 10),
               summarize(acc, p, false, all, 0, 100), summarize(acc, p, false, all, 1, 100),
               summarize(acc, p, false, all, 2, 100), summarize(acc, p, false, all, 3, 100)};
  for (int64_t k = 0; k < acc.K; ++k) {
    std::vector<double> s;
    for (int64_t t = 0; t < acc.T; ++t) {
      for (int64_t r = 0; r < acc.R; ++r) s.push_back(acc.prec(t, r, k, 0, acc.M - 1));
    }
    out.per_category_ap.emplace_back(cats.ids[k], mean_defined(s));
  }
  return out;
}

std::string coco_metrics_json(const CocoEvalResult& r) {
  nlohmann::ordered_json j;
  for (size_t i = 0; i < 12; ++i) j[coco_stat_names()[i]] = r.stats[i];
  nlohmann::ordered_json per = nlohmann::ordered_json::object();
  for (const auto& [id, ap] : r.per_category_ap) per[std::to_string(id)] = ap;
  j["per_category_AP"] = per;
  return j.dump(1) + "\n";
}

std::string coco_summary_table(const CocoEvalResult& r) {
  static const char* kRows[12][4] = {
      {"Average Precision", "(AP)", "0.50:0.95", "   all"}, {"Average Precision", "(AP)", "0.50     ", "   all"},
      {"Average Precision", "(AP)", "0.75     ", "   all"}, {"Average Precision", "(AP)", "0.50:0.95", " small"},
      {"Average Precision", "(AP)", "0.50:0.95", "medium"}, {"Average Precision", "(AP)", "0.50:0.95", " large"},
      {"Average Recall   ", "(AR)", "0.50:0.95", "   all"}, {"Average Recall   ", "(AR)", "0.50:0.95", "   all"},
      {"Average Recall   ", "(AR)", "0.50:0.95", "   all"}, {"Average Recall   ", "(AR)", "0.50:0.95", " small"},
      {"Average Recall   ", "(AR)", "0.50:0.95", "medium"}, {"Average Recall   ", "(AR)", "0.50:0.95", " large"}};
  static const int kMaxDets[12] = {100, 100, 100, 100, 100, 100, 1, 10, 100, 100, 100, 100};
  std::string out;
  char line[160];
  for (int i = 0; i < 12; ++i) {
    std::snprintf(line, sizeof(line), " %-18s %s @[ IoU=%s | area=%s | maxDets=%3d ] = %0.3f\n", kRows[i][0],
                  kRows[i][1], kRows[i][2], kRows[i][3], kMaxDets[i], r.stats[i]);
    out += line;
  }
  return out;
}

}  // namespace glip::eval
