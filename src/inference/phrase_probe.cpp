#include "glip/inference/phrase_probe.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <limits>

#include "glip/core/error.h"
#include "glip/inference/batch_detect.h"
#include "glip/ops/boxes.h"
#include "glip/text/unicode.h"

namespace glip::inference {

double PhraseProbeObject::best_other() const {
  double best = 0.0;
  for (const auto& [id, s] : scores)
    if (id != category_id) best = std::max(best, s);
  return best;
}

double PhraseProbeReport::accuracy() const {
  if (objects.empty()) return 0.0;
  int64_t ok = 0;
  for (const auto& o : objects) ok += o.margin() > 0 ? 1 : 0;
  return static_cast<double>(ok) / static_cast<double>(objects.size());
}

double PhraseProbeReport::min_margin() const {
  double m = std::numeric_limits<double>::infinity();
  for (const auto& o : objects) m = std::min(m, o.margin());
  return objects.empty() ? 0.0 : m;
}

double PhraseProbeReport::mean_margin() const {
  double s = 0.0;
  for (const auto& o : objects) s += o.margin();
  return objects.empty() ? 0.0 : s / static_cast<double>(objects.size());
}

double PhraseProbeReport::fraction_with_margin(double m) const {
  if (objects.empty()) return 0.0;
  int64_t n = 0;
  for (const auto& o : objects) n += o.margin() >= m ? 1 : 0;
  return static_cast<double>(n) / static_cast<double>(objects.size());
}

std::string PhraseProbeReport::table() const {
  std::string out =
      "| category | objects | own name | best other name | own name highest |\n|---|---:|---:|---:|---:|\n";
  char line[256];
  for (const auto& [id, name] : categories) {
    int64_t n = 0, ok = 0;
    double own = 0, other = 0;
    for (const auto& o : objects) {
      if (o.category_id != id) continue;
      ++n;
      own += o.own();
      other += o.best_other();
      ok += o.margin() > 0 ? 1 : 0;
    }
    if (n == 0) continue;
    std::snprintf(line, sizeof line, "| %s | %lld | %.3f | %.3f | %.3f |\n", name.c_str(), (long long)n,
                  own / static_cast<double>(n), other / static_cast<double>(n),
                  static_cast<double>(ok) / static_cast<double>(n));
    out += line;
  }
  std::snprintf(line, sizeof line, "objects %zu: own name highest %.3f, margin mean %.3f, min %.3f, >= 0.3 for %.3f\n",
                objects.size(), accuracy(), mean_margin(), min_margin(), fraction_with_margin(0.3));
  out += line;
  return out;
}

std::string PhraseProbeReport::json() const {
  nlohmann::ordered_json j;
  j["accuracy"] = accuracy();
  j["mean_margin"] = mean_margin();
  j["min_margin"] = min_margin();
  j["fraction_margin_0.3"] = fraction_with_margin(0.3);
  nlohmann::ordered_json cats = nlohmann::ordered_json::object();
  for (const auto& [id, name] : categories) cats[std::to_string(id)] = name;
  j["categories"] = cats;
  j["objects"] = nlohmann::ordered_json::array();
  for (const auto& o : objects) {
    nlohmann::ordered_json s = nlohmann::ordered_json::object();
    for (const auto& [id, v] : o.scores) s[std::to_string(id)] = v;
    j["objects"].push_back({{"image_id", o.image_id},
                            {"category_id", o.category_id},
                            {"box", {o.xyxy[0], o.xyxy[1], o.xyxy[2], o.xyxy[3]}},
                            {"margin", o.margin()},
                            {"scores", s}});
  }
  return j.dump(1) + "\n";
}

PhraseProbeReport probe_single_phrases(const Predictor& predictor, const data::RecordSet& set,
                                       const PhraseProbeOptions& options) {
  GLIP_CHECK_INPUT(set.is_detection && !set.categories.empty(), "phrase probe: dataset '", set.name,
                   "' must be a detection dataset with categories");
  PhraseProbeReport rep;
  std::vector<text::Prompt> queries;
  for (const auto& c : set.categories) {
    rep.categories[c.id] = c.name;
    queries.push_back({c.name, {c.id}, {{0, text::utf8_length(c.name)}}});
  }
  std::vector<EvalImage> images;
  for (const auto& r : set.records) images.push_back({r.image_id, r.image});
  InferenceOptions io;
  io.batch_size = options.batch_size;
  const auto dets = detect_images(predictor, images, queries, io);
  for (size_t i = 0; i < set.records.size(); ++i) {
    const auto& rec = set.records[i];
    if (rec.boxes.empty()) continue;
    at::Tensor gt = at::empty({static_cast<int64_t>(rec.boxes.size()), 4}, at::kFloat);
    for (size_t b = 0; b < rec.boxes.size(); ++b)
      for (int k = 0; k < 4; ++k) gt[static_cast<int64_t>(b)][k] = rec.boxes[b].xyxy[static_cast<size_t>(k)];
    const auto& d = dets[i];
    const int64_t n = d.boxes.size(0);
    // Both in the official convention (the reader's x2 = x + w - 1, the model's predictions): the +1 IoU.
    at::Tensor iou = n > 0 ? ops::box_iou(gt, d.boxes, /*plus_one=*/true) : at::zeros({gt.size(0), 0});
    auto ia = iou.accessor<float, 2>();
    auto sa = d.scores.accessor<float, 1>();
    auto la = d.labels.accessor<int64_t, 1>();
    for (size_t b = 0; b < rec.boxes.size(); ++b) {
      PhraseProbeObject o;
      o.image_id = rec.image_id;
      o.category_id = rec.boxes[b].category_id;
      o.xyxy = rec.boxes[b].xyxy;
      for (const auto& c : set.categories) o.scores[c.id] = 0.0;
      GLIP_CHECK_INPUT(o.scores.count(o.category_id), "phrase probe: ", rec.origin, ": box with unknown category ",
                       o.category_id);
      for (int64_t k = 0; k < n; ++k)
        if (ia[static_cast<int64_t>(b)][k] >= options.iou_threshold)
          o.scores[la[k]] = std::max(o.scores[la[k]], static_cast<double>(sa[k]));
      rep.objects.push_back(std::move(o));
    }
  }
  return rep;
}

}  // namespace glip::inference
