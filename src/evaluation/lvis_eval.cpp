#include "glip/evaluation/lvis_eval.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <unordered_map>

#include "evaluation/eval_prepare.h"
#include "glip/core/error.h"

namespace glip::eval {

using formats::check_result_images;
using formats::DetectionResult;
using formats::GroundTruth;
using formats::GtAnnotation;
using formats::GtCategory;
using formats::GtImage;

namespace {

// Groups result indices by `key` in order of first appearance; a group larger than `limit` (or every
// group when `always_sort`) is sorted by score, descending and stable (Python's sorted(reverse=True)),
// and cut to `limit`. Returns the concatenation (LVISResults.limit_dets_per_image / Fixed AP top-k).
template <typename KeyFn>
std::vector<int32_t> limit_groups(const std::vector<DetectionResult>& results, KeyFn key, int64_t limit,
                                  bool always_sort) {
  std::unordered_map<int64_t, size_t> group_of;
  std::vector<std::vector<int32_t>> groups;
  for (size_t i = 0; i < results.size(); ++i) {
    auto [it, added] = group_of.emplace(key(results[i]), groups.size());
    if (added) groups.emplace_back();
    groups[it->second].push_back(static_cast<int32_t>(i));
  }
  std::vector<int32_t> out;
  out.reserve(results.size());
  for (auto& g : groups) {
    if (always_sort || static_cast<int64_t>(g.size()) > limit) {
      std::stable_sort(g.begin(), g.end(), [&](int32_t a, int32_t b) { return results[a].score > results[b].score; });
      if (static_cast<int64_t>(g.size()) > limit) g.resize(limit);
    }
    out.insert(out.end(), g.begin(), g.end());
  }
  return out;
}

bool area_listed(double area) { return area > 0 && area < HUGE_VAL; }  // get_ann_ids area_rng [0, inf]

bool contains(const std::vector<int64_t>& v, int64_t x) { return std::find(v.begin(), v.end(), x) != v.end(); }

void check_lvis_gt(const GroundTruth& gt) {
  for (size_t i = 0; i < gt.images.size(); ++i) {
    GLIP_CHECK_INPUT(gt.images[i].has_federated, "file '", gt.path, "': images[", i, "] (id ", gt.images[i].id,
                     ") needs 'neg_category_ids' and 'not_exhaustive_category_ids' (LVIS v1 format)");
  }
  for (size_t i = 0; i < gt.categories.size(); ++i) {
    const std::string& f = gt.categories[i].frequency;
    GLIP_CHECK_INPUT(f == "r" || f == "c" || f == "f", "file '", gt.path, "': categories[", i, "] (id ",
                     gt.categories[i].id, ") has frequency '", f, "'; expected \"r\", \"c\" or \"f\"");
  }
}

EvalInput prepare_lvis(const GroundTruth& gt, const std::vector<DetectionResult>& results,
                       const std::vector<int32_t>& kept, const IdIndex& images, const IdIndex& cats) {
  EvalInput in;
  in.num_images = static_cast<int32_t>(images.ids.size());
  in.gts.resize(cats.ids.size());
  in.dts.resize(cats.ids.size());
  auto selected = select_annotations(gt, images, [&](const GtAnnotation& a) {
    if (cats.find(a.category_id) < 0) return false;
    GLIP_CHECK_INPUT(a.has_area, "file '", gt.path, "': annotation id ", a.id, " has no 'area'");
    return area_listed(a.area);
  });
  std::vector<std::vector<int64_t>> present(images.ids.size());  // img_pl
  for (int32_t i : selected) {
    const GtAnnotation& a = gt.annotations[i];
    const int32_t img = images.find(a.image_id), k = cats.find(a.category_id);
    if (img < 0) continue;
    present[img].push_back(a.category_id);
    if (k < 0) continue;
    check_annotation_fields(gt, i, /*need_iscrowd=*/false);
    EvalGt g = to_eval_gt(img, a);
    g.ignore = a.ignore;
    in.gts[k].push_back(g);
  }
  std::vector<const GtImage*> img_data(images.ids.size(), nullptr);
  for (const auto& im : gt.images) img_data[images.find(im.id)] = &im;  // last image with the id, as imgs[id]
  auto per_image = bucket_by_image(results, kept, images);
  for (int32_t img = 0; img < in.num_images; ++img) {
    const GtImage& info = *img_data[img];
    for (int32_t i : per_image[img]) {
      const DetectionResult& r = results[i];
      const int32_t k = cats.find(r.category_id);
      const double area = r.bbox.w * r.bbox.h;
      if (k < 0 || !area_listed(area)) continue;
      if (!contains(info.neg_category_ids, r.category_id) && !contains(present[img], r.category_id)) continue;
      EvalDt d;
      d.image = img;
      d.box = r.bbox;
      d.area = area;
      d.score = r.score;
      d.ignore_unmatched = contains(info.not_exhaustive_category_ids, r.category_id);
      in.dts[k].push_back(d);
    }
  }
  return in;
}

double summarize(const EvalAccumulation& acc, const EvalParams& p, bool ap, double iou_thr, int64_t a,
                 const std::vector<int64_t>* group) {
  std::vector<int64_t> ts;
  for (int64_t t = 0; t < acc.T; ++t) {
    if (std::isnan(iou_thr) || p.iou_thrs[t] == iou_thr) ts.push_back(t);
  }
  std::vector<int64_t> ks;
  if (group) {
    ks = *group;
  } else {
    for (int64_t k = 0; k < acc.K; ++k) ks.push_back(k);
  }
  std::vector<double> s;
  for (int64_t t : ts) {
    if (ap) {
      for (int64_t r = 0; r < acc.R; ++r) {
        for (int64_t k : ks) s.push_back(acc.prec(t, r, k, a, 0));
      }
    } else {
      for (int64_t k = 0; k < acc.K; ++k) s.push_back(acc.rec(t, k, a, 0));
    }
  }
  return mean_defined(s);
}

}  // namespace

LvisEvalResult lvis_evaluate(const GroundTruth& gt, const std::vector<DetectionResult>& results,
                             const LvisEvalOptions& options, const std::string& results_path) {
  check_lvis_gt(gt);
  check_result_images(gt, results, results_path, "LVIS");
  std::vector<int32_t> kept;
  if (options.fixed_ap) {
    kept = limit_groups(
        results, [](const DetectionResult& d) { return d.category_id; }, options.topk_per_category,
        /*always_sort=*/true);
  } else if (options.max_dets_per_image >= 0) {
    kept = limit_groups(
        results, [](const DetectionResult& d) { return d.image_id; }, options.max_dets_per_image,
        /*always_sort=*/false);
  } else {
    kept.resize(results.size());
    for (size_t i = 0; i < kept.size(); ++i) kept[i] = static_cast<int32_t>(i);
  }
  const IdIndex images = image_index(gt);
  const IdIndex cats = category_index(gt);
  const EvalParams p = EvalParams::lvis();
  LvisEvalResult out;
  out.image_ids = images.ids;
  out.category_ids = cats.ids;
  out.accumulation = evaluate_accumulate(prepare_lvis(gt, results, kept, images, cats), p);
  const EvalAccumulation& acc = out.accumulation;

  std::vector<int64_t> groups[3];  // r, c, f: indices into the sorted categories
  std::unordered_map<int64_t, const GtCategory*> cat_by_id;
  for (const auto& c : gt.categories) cat_by_id[c.id] = &c;
  for (size_t k = 0; k < cats.ids.size(); ++k) {
    const std::string& f = cat_by_id[cats.ids[k]]->frequency;
    groups[f == "r" ? 0 : f == "c" ? 1 : 2].push_back(static_cast<int64_t>(k));
  }
  const double all = std::nan("");
  const std::string n = options.fixed_ap ? "-1" : std::to_string(options.max_dets_per_image);
  out.metrics = {
      {"AP", summarize(acc, p, true, all, 0, nullptr)},        {"AP50", summarize(acc, p, true, 0.5, 0, nullptr)},
      {"AP75", summarize(acc, p, true, 0.75, 0, nullptr)},     {"APs", summarize(acc, p, true, all, 1, nullptr)},
      {"APm", summarize(acc, p, true, all, 2, nullptr)},       {"APl", summarize(acc, p, true, all, 3, nullptr)},
      {"APr", summarize(acc, p, true, all, 0, &groups[0])},    {"APc", summarize(acc, p, true, all, 0, &groups[1])},
      {"APf", summarize(acc, p, true, all, 0, &groups[2])},    {"AR@" + n, summarize(acc, p, false, all, 0, nullptr)},
      {"ARs@" + n, summarize(acc, p, false, all, 1, nullptr)}, {"ARm@" + n, summarize(acc, p, false, all, 2, nullptr)},
      {"ARl@" + n, summarize(acc, p, false, all, 3, nullptr)}};
  return out;
}

std::string lvis_metrics_json(const LvisEvalResult& r, bool fixed_ap) {
  nlohmann::ordered_json j;
  for (const auto& [name, v] : r.metrics) j[name] = v;
  j["fixed_ap"] = fixed_ap;
  return j.dump(1) + "\n";
}

std::string lvis_summary_table(const LvisEvalResult& r) {
  std::string out;
  char line[200];
  for (const auto& [key, value] : r.metrics) {
    const bool ap = key.rfind("AP", 0) == 0;
    std::string iou = "0.50:0.95", area = "all", group = "all";
    if (key.size() > 2 && std::isdigit(static_cast<unsigned char>(key[2]))) {
      std::snprintf(line, sizeof(line), "%0.2f", std::stod(key.substr(2)) / 100);
      iou = line;
    }
    if (key.size() > 2 && (key[2] == 'r' || key[2] == 'c' || key[2] == 'f')) group = key.substr(2, 1);
    if (key.size() > 2 && (key[2] == 's' || key[2] == 'm' || key[2] == 'l')) area = key.substr(2, 1);
    const std::string n = key.substr(key.find('@') == std::string::npos ? key.size() : key.find('@') + 1);
    std::snprintf(line, sizeof(line), " %-18s %s @[ IoU=%-9s | area=%6s | maxDets=%3s catIds=%3s] = %0.3f\n",
                  ap ? "Average Precision" : "Average Recall", ap ? "(AP)" : "(AR)", iou.c_str(), area.c_str(),
                  n.empty() ? "300" : n.c_str(), group.c_str(), value);
    out += line;
  }
  return out;
}

}  // namespace glip::eval
