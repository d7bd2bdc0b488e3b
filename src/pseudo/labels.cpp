#include "glip/pseudo/labels.h"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <numeric>

#include "glip/core/error.h"
#include "glip/ops/boxes.h"
#include "glip/ops/nms.h"
#include "glip/text/unicode.h"

namespace glip::pseudo {

text::Prompt caption_query(const std::string& caption, const text::NounPhraseExtractor& extractor) {
  text::Prompt q;
  q.text = caption;
  q.spans = extractor.extract(caption);
  for (size_t i = 0; i < q.spans.size(); ++i) q.labels.push_back(static_cast<int64_t>(i) + 1);
  return q;
}

int64_t PseudoRecord::num_boxes() const {
  int64_t n = 0;
  for (const auto& p : phrases) n += static_cast<int64_t>(p.boxes.size());
  return n;
}

std::string substr_code_points(const std::string& utf8, int64_t start, int64_t end) {
  const std::vector<int64_t> off = text::utf8_cp_byte_offsets(utf8);  // one entry per code point, plus the end
  const int64_t n = static_cast<int64_t>(off.size()) - 1;
  GLIP_CHECK(0 <= start && start <= end && end <= n, "span [", start, ", ", end, ") is not inside '", utf8, "'");
  return utf8.substr(static_cast<size_t>(off[start]), static_cast<size_t>(off[end] - off[start]));
}

namespace {

/**
 * Per detection, the best score that a detection of another phrase has on (nearly) the same box: IoU >= min_iou
 * (torchvision's IoU, no + 1); 0 where there is none. Over every detection the teacher returned, those under the
 * threshold included, so that a phrase that only narrowly wins a box it shares with another phrase can be told
 * from one that owns it. [n, n] in the detections of one image (at most model.detections_per_img).
 */
at::Tensor rival_scores(const at::Tensor& boxes, const at::Tensor& scores, const at::Tensor& labels, double min_iou) {
  const at::Tensor iou = ops::box_iou(boxes, boxes, /*plus_one=*/false);
  const at::Tensor rival = (iou >= min_iou) & (iou > 0) & labels.unsqueeze(1).ne(labels.unsqueeze(0));
  return at::where(rival, scores.unsqueeze(0).expand_as(iou), at::zeros_like(iou)).amax(1);
}

}  // namespace

std::vector<PhraseLabel> select_phrase_boxes(const Detections& dets, const text::Prompt& query, int64_t width,
                                             int64_t height, const PseudoConfig& cfg) {
  const int64_t n_phrases = static_cast<int64_t>(query.spans.size());
  std::vector<PhraseLabel> out(static_cast<size_t>(n_phrases));
  for (int64_t i = 0; i < n_phrases; ++i) {
    out[i].span = {query.spans[i].first, query.spans[i].second};
    out[i].text = substr_code_points(query.text, query.spans[i].first, query.spans[i].second);
  }
  if (!dets.boxes.defined() || dets.boxes.numel() == 0) return out;
  at::Tensor boxes = dets.boxes.detach().to(at::kCPU, at::kFloat).contiguous().view({-1, 4});
  at::Tensor scores = dets.scores.detach().to(at::kCPU, at::kFloat).contiguous().view({-1});
  at::Tensor labels = dets.labels.detach().to(at::kCPU, at::kLong).contiguous().view({-1});
  GLIP_CHECK(boxes.size(0) == scores.size(0) && scores.size(0) == labels.size(0), "teacher detections: ", boxes.size(0),
             " boxes, ", scores.size(0), " scores, ", labels.size(0), " labels");
  // Over the threshold, clipped to the image, not degenerate. The teacher's boxes are in the official
  // convention (x2 the last pixel covered; glip/data/boxes.h) and are written as they are, as the official
  // caption.py reads "bboxes" (xyxy, no conversion); clipped as the student's reader will clip them
  // (BoxList.clip_to_image: [0, width - 1] x [0, height - 1], empty boxes dropped), so what is written is what
  // the student trains on. The post-processor already clipped them so; this guards other detection sources.
  boxes.select(1, 0).clamp_(0, static_cast<double>(width - 1));
  boxes.select(1, 2).clamp_(0, static_cast<double>(width - 1));
  boxes.select(1, 1).clamp_(0, static_cast<double>(height - 1));
  boxes.select(1, 3).clamp_(0, static_cast<double>(height - 1));
  at::Tensor keep =
      (scores >= cfg.threshold) & (boxes.select(1, 2) > boxes.select(1, 0)) & (boxes.select(1, 3) > boxes.select(1, 1));
  if (cfg.phrase_margin > -1) keep &= (scores - rival_scores(boxes, scores, labels, cfg.nms_iou)) >= cfg.phrase_margin;
  const int64_t max_label = labels.numel() ? labels.max().item<int64_t>() : 0;
  const int64_t min_label = labels.numel() ? labels.min().item<int64_t>() : 1;
  GLIP_CHECK(min_label >= 1 && max_label <= n_phrases, "teacher detections carry labels ", min_label, "..", max_label,
             " but the query '", query.text, "' has ", n_phrases, " phrases");
  at::Tensor idx = keep.nonzero().view({-1});
  boxes = boxes.index_select(0, idx);
  scores = scores.index_select(0, idx);
  labels = labels.index_select(0, idx);
  if (boxes.size(0) == 0) return out;
  at::Tensor kept;
  // The IoU of torchvision.ops.nms (no + 1), as the official caption.py's CAPTION_NMS screening of these labels.
  if (cfg.nms == "per_phrase") kept = ops::batched_nms(boxes, scores, labels, cfg.nms_iou, false);
  else if (cfg.nms == "across_phrases") kept = ops::nms(boxes, scores, cfg.nms_iou, false);
  else kept = at::arange(boxes.size(0), at::kLong);
  kept = kept.to(at::kLong).contiguous();
  // Best first (stable on ties: original order), then per phrase up to the limit.
  std::vector<int64_t> order(kept.data_ptr<int64_t>(), kept.data_ptr<int64_t>() + kept.numel());
  const float* s = scores.data_ptr<float>();
  std::stable_sort(order.begin(), order.end(),
                   [&](int64_t a, int64_t b) { return s[a] > s[b] || (s[a] == s[b] && a < b); });
  const float* b = boxes.data_ptr<float>();
  const int64_t* l = labels.data_ptr<int64_t>();
  for (int64_t k : order) {
    PhraseLabel& p = out[static_cast<size_t>(l[k] - 1)];
    if (cfg.max_boxes_per_phrase > 0 && static_cast<int64_t>(p.boxes.size()) >= cfg.max_boxes_per_phrase) continue;
    p.boxes.push_back({b[4 * k], b[4 * k + 1], b[4 * k + 2], b[4 * k + 3]});
    p.scores.push_back(s[k]);
  }
  return out;
}

namespace {
double round_to(double x, double per_unit) { return std::round(x * per_unit) / per_unit; }
}  // namespace

std::string to_json_line(const PseudoRecord& r) {
  nlohmann::ordered_json j;
  j["image_id"] = r.image_id;
  j["key"] = r.key;
  j["image"] = {{"tar", r.tar}, {"member", r.member}};
  j["width"] = r.width;
  j["height"] = r.height;
  j["caption"] = r.caption;
  nlohmann::ordered_json phrases = nlohmann::ordered_json::array();
  for (const auto& p : r.phrases) {
    nlohmann::ordered_json jp;
    jp["span"] = {p.span[0], p.span[1]};
    jp["text"] = p.text;
    nlohmann::ordered_json boxes = nlohmann::ordered_json::array(), scores = nlohmann::ordered_json::array();
    for (size_t k = 0; k < p.boxes.size(); ++k) {
      const auto& bx = p.boxes[k];
      boxes.push_back({round_to(bx[0], 100), round_to(bx[1], 100), round_to(bx[2], 100), round_to(bx[3], 100)});
      scores.push_back(round_to(p.scores[k], 1e4));
    }
    jp["boxes"] = std::move(boxes);
    jp["scores"] = std::move(scores);
    phrases.push_back(std::move(jp));
  }
  j["phrases"] = std::move(phrases);
  return j.dump();
}

int64_t image_id_from_key(const std::string& key) {
  if (!key.empty() && key.size() <= 18 &&
      std::all_of(key.begin(), key.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return std::stoll(key);
  uint64_t h = 14695981039346656037ull;
  for (unsigned char c : key) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return static_cast<int64_t>(h >> 1);
}

}  // namespace glip::pseudo
