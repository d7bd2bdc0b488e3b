#include "glip/evaluation/flickr_eval.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <set>
#include <unordered_set>

#include "glip/core/error.h"
#include "glip/core/fs.h"
#include "glip/core/logging.h"

namespace glip::eval {
namespace {

const int kTopK[4] = {1, 5, 10, -1};

// Recall bookkeeping per k and category, categories in first-seen order (RecallTracker).
struct Tracker {
  std::vector<std::string> cats;
  std::vector<std::array<int64_t, 4>> total, positive;
  void add(int ki, const std::string& cat, bool hit) {
    auto it = std::find(cats.begin(), cats.end(), cat);
    size_t i = static_cast<size_t>(it - cats.begin());
    if (it == cats.end()) {
      cats.push_back(cat);
      total.push_back({0, 0, 0, 0});
      positive.push_back({0, 0, 0, 0});
    }
    total[i][ki] += 1;
    positive[i][ki] += hit;
  }
};

// torchvision-style box_iou of (x1, y1, x2, y2) boxes, as MDETR's numpy port (NaN propagates).
double iou_xyxy(const std::vector<double>& a, const std::array<double, 4>& b) {
  auto clip0 = [](double v) { return std::isnan(v) ? v : std::max(v, 0.0); };
  const double area1 = (a[2] - a[0]) * (a[3] - a[1]);
  const double area2 = (b[2] - b[0]) * (b[3] - b[1]);
  const double w = clip0(std::min(a[2], b[2]) - std::max(a[0], b[0]));
  const double h = clip0(std::min(a[3], b[3]) - std::max(a[1], b[1]));
  const double inter = w * h;
  return inter / (area1 + area2 - inter);
}

std::vector<std::array<double, 4>> merge(const std::vector<std::array<double, 4>>& boxes) {
  if (boxes.size() == 1) return boxes;
  std::array<double, 4> m = boxes[0];
  for (const auto& b : boxes) {
    m[0] = std::min(m[0], b[0]);
    m[1] = std::min(m[1], b[1]);
    m[2] = std::max(m[2], b[2]);
    m[3] = std::max(m[3], b[3]);
  }
  return {m};
}

std::vector<std::string> read_lines(const std::string& path) {
  std::string text = read_file(path);
  std::vector<std::string> lines;
  std::string cur;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '\n' || c == '\r') {
      if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
      lines.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  if (!cur.empty()) lines.push_back(cur);
  for (auto& l : lines) {  // str.strip()
    size_t b = l.find_first_not_of(" \t\v\f");
    size_t e = l.find_last_not_of(" \t\v\f");
    l = b == std::string::npos ? std::string() : l.substr(b, e - b + 1);
  }
  return lines;
}

}  // namespace

FlickrEvaluator::FlickrEvaluator(const std::string& root, const std::string& split, bool merge_boxes)
    : merge_boxes_(merge_boxes) {
  GLIP_CHECK_INPUT(split == "train" || split == "test" || split == "val", "Wrong flickr subset '", split,
                   "'; expected train, test or val");
  namespace fs = std::filesystem;
  const fs::path base(root);
  const std::vector<std::string> img_ids = read_lines((base / (split + ".txt")).string());
  for (const std::string& img_id : img_ids) {
    const std::string xml_path = (base / "Annotations" / (img_id + ".xml")).string();
    Image& img = images_[img_id];
    img.boxes.clear();
    for (auto& [id, boxes] : formats::parse_flickr_boxes(read_file(xml_path), xml_path)) {
      img.boxes[id] = merge_boxes ? merge(boxes) : boxes;
    }
  }
  for (const std::string& img_id : img_ids) {
    const std::string txt_path = (base / "Sentences" / (img_id + ".txt")).string();
    Image& img = images_[img_id];
    const auto sentences = formats::parse_flickr_sentences(read_file(txt_path));
    img.sentences.assign(sentences.size(), {});
    for (size_t s = 0; s < sentences.size(); ++s) {
      for (const auto& ph : sentences[s].phrases) {
        if (img.boxes.count(ph.phrase_id)) img.sentences[s].push_back(ph);
      }
    }
    for (size_t s = 0; s < sentences.size(); ++s) {
      if (!img.sentences[s].empty()) all_ids_.push_back(img_id + "_" + std::to_string(s));
    }
  }
}

FlickrRecall FlickrEvaluator::evaluate(const std::vector<formats::FlickrPrediction>& predictions) const {
  const std::unordered_set<std::string> expected(all_ids_.begin(), all_ids_.end());
  std::unordered_set<std::string> evaluated;
  Tracker tracker;
  for (const formats::FlickrPrediction& pred : predictions) {
    const std::string cur_id = pred.image_id + "_" + pred.sentence_id;
    if (evaluated.count(cur_id)) {
      GLIP_LOG_WARN("[eval] multiple predictions found for sentence {} in image {}; keeping the first",
                    pred.sentence_id, pred.image_id);
      continue;
    }
    if (!expected.count(cur_id)) {
      if (!pred.boxes.empty()) {
        GLIP_LOG_WARN("[eval] in image {} we were not expecting predictions for sentence {}; ignoring them",
                      pred.image_id, pred.sentence_id);
      }
      continue;
    }
    evaluated.insert(cur_id);
    const Image& img = images_.at(pred.image_id);
    const auto& phrases = img.sentences.at(std::stoul(pred.sentence_id));
    GLIP_CHECK_INPUT(pred.boxes.size() == phrases.size(), "Error, got ", pred.boxes.size(), " predictions, expected ",
                     phrases.size(), " for sentence ", pred.sentence_id, " in image ", pred.image_id);
    for (size_t p = 0; p < phrases.size(); ++p) {
      const auto& cur = pred.boxes[p];
      GLIP_CHECK_INPUT(!cur.empty(), "phrase ", p, " of sentence ", pred.sentence_id, " in image ", pred.image_id,
                       " has no predicted boxes (expected a ranked list of [x1, y1, x2, y2] boxes)");
      for (const auto& b : cur) {
        GLIP_CHECK_INPUT(b.size() == 4 && cur[0].size() == 4, "phrase ", p, " of sentence ", pred.sentence_id,
                         " in image ", pred.image_id, ": a box has ", b.size(), " numbers; expected [x1, y1, x2, y2]");
      }
      const auto& targets = img.boxes.at(phrases[p].phrase_id);
      for (int ki = 0; ki < 4; ++ki) {
        const size_t rows = kTopK[ki] < 0 ? cur.size() : std::min<size_t>(cur.size(), kTopK[ki]);
        double maxi = -std::numeric_limits<double>::infinity();
        for (size_t i = 0; i < rows && !std::isnan(maxi); ++i) {
          for (const auto& t : targets) {
            const double v = iou_xyxy(cur[i], t);
            if (std::isnan(v) || v > maxi) maxi = v;
            if (std::isnan(v)) break;
          }
        }
        const bool hit = maxi >= 0.5;
        tracker.add(ki, "all", hit);
        for (const auto& type : phrases[p].phrase_types) tracker.add(ki, type, hit);
      }
    }
  }
  if (evaluated.size() != all_ids_.size()) {
    std::string missing;
    size_t n = 0;
    for (const auto& id : all_ids_) {
      if (evaluated.count(id)) continue;
      const size_t cut = id.rfind('_');
      if (n++ < 20) missing += str_cat("\n\t sentence ", id.substr(cut + 1), " in image ", id.substr(0, cut));
    }
    throw InputError(str_cat("Missing predictions: ", n, " of ", all_ids_.size(),
                             " sentences have no prediction (or the split lists an image twice):", missing,
                             n > 20 ? "\n\t ..." : ""));
  }
  FlickrRecall out;
  out.merge_boxes = merge_boxes_;
  const char* labels[4] = {"1", "5", "10", "any"};
  for (int ki = 0; ki < 4; ++ki) {
    auto& row = out.recall.emplace_back(labels[ki], std::vector<std::pair<std::string, double>>{});
    for (size_t c = 0; c < tracker.cats.size(); ++c) {
      row.second.emplace_back(tracker.cats[c],
                              static_cast<double>(tracker.positive[c][ki]) / static_cast<double>(tracker.total[c][ki]));
    }
  }
  return out;
}

std::string flickr_metrics_json(const FlickrRecall& r) {
  nlohmann::ordered_json j;
  j["merge_boxes"] = r.merge_boxes;
  nlohmann::ordered_json rec = nlohmann::ordered_json::object();
  for (const auto& [k, cats] : r.recall) {
    nlohmann::ordered_json row = nlohmann::ordered_json::object();
    for (const auto& [cat, v] : cats) row[cat] = v;
    rec[k] = row;
  }
  j["recall"] = rec;
  return j.dump(1) + "\n";
}

std::string flickr_summary_table(const FlickrRecall& r) {
  if (r.recall.empty()) return "";
  std::vector<std::string> cats;
  for (const auto& [cat, v] : r.recall[0].second) cats.push_back(cat);
  std::sort(cats.begin(), cats.end());
  std::string out = "Recall@k    ";
  char buf[64];
  for (const auto& c : cats) {
    std::snprintf(buf, sizeof(buf), " %12s", c.c_str());
    out += buf;
  }
  out += "\n";
  for (const auto& [k, row] : r.recall) {
    std::snprintf(buf, sizeof(buf), "%-12s", k == "any" ? "Upper_bound" : ("Recall@" + k).c_str());
    out += buf;
    for (const auto& c : cats) {
      auto it = std::find_if(row.begin(), row.end(), [&](const auto& p) { return p.first == c; });
      std::snprintf(buf, sizeof(buf), " %12.4f", it->second);
      out += buf;
    }
    out += "\n";
  }
  return out;
}

}  // namespace glip::eval
