// Inference over image lists with category prompts: feature reuse across prompt chunks, results conversion.
#include "glip/inference/batch_detect.h"

#include <nlohmann/json.hpp>

#include <algorithm>

#include "glip/core/error.h"
#include "glip/data/boxes.h"
#include "glip/data/transforms.h"

namespace glip::inference {
std::vector<Detections> detect_batch(const Predictor& predictor, const std::vector<at::Tensor>& bgr_images,
                                     const std::vector<text::Prompt>& queries, bool reuse_features) {
  GLIP_CHECK(!queries.empty(), "detect_batch: no queries");
  at::NoGradGuard no_grad;
  std::vector<std::vector<Detections>> per_query;
  EncodedImages encoded;
  if (reuse_features) encoded = predictor.encode(bgr_images);
  for (const auto& q : queries) {
    if (reuse_features) per_query.push_back(predictor.detect(encoded, {q}));
    else per_query.push_back(predictor.predict(bgr_images, {q}));
  }
  if (per_query.size() == 1) return per_query[0];
  std::vector<Detections> out(bgr_images.size());
  for (size_t i = 0; i < bgr_images.size(); ++i) {
    std::vector<at::Tensor> boxes, scores, labels;
    for (const auto& d : per_query) {
      boxes.push_back(d[i].boxes);
      scores.push_back(d[i].scores);
      labels.push_back(d[i].labels);
    }
    out[i] = {at::cat(boxes), at::cat(scores), at::cat(labels)};
  }
  return out;
}

std::vector<Detections> detect_images(const Predictor& predictor, const std::vector<EvalImage>& images,
                                      const std::vector<text::Prompt>& queries, const InferenceOptions& options) {
  const auto bs = static_cast<size_t>(std::max<int64_t>(1, options.batch_size));
  std::vector<Detections> out;
  out.reserve(images.size());
  for (size_t b = 0; b < images.size(); b += bs) {
    std::vector<at::Tensor> batch;
    for (size_t i = b; i < std::min(images.size(), b + bs); ++i) batch.push_back(data::decode_image(images[i].source));
    for (auto& d : detect_batch(predictor, batch, queries, options.reuse_features)) {
      out.push_back(
          {d.boxes.to(at::kCPU, at::kFloat), d.scores.to(at::kCPU, at::kFloat), d.labels.to(at::kCPU, at::kLong)});
    }
    if (options.on_images_done) options.on_images_done(static_cast<int64_t>(batch.size()));
  }
  return out;
}

std::vector<formats::DetectionResult> to_results(const std::vector<EvalImage>& images,
                                                 const std::vector<Detections>& dets, bool plus_one) {
  GLIP_CHECK(images.size() == dets.size(), "to_results: ", images.size(), " images but ", dets.size(), " detections");
  std::vector<formats::DetectionResult> out;
  for (size_t i = 0; i < images.size(); ++i) {
    const at::Tensor boxes = dets[i].boxes.to(at::kCPU, at::kFloat).contiguous();
    const at::Tensor scores = dets[i].scores.to(at::kCPU, at::kDouble).contiguous();
    const at::Tensor labels = dets[i].labels.to(at::kCPU, at::kLong).contiguous();
    const int64_t n = boxes.size(0);
    const float* b = boxes.data_ptr<float>();
    for (int64_t k = 0; k < n; ++k) {
      formats::DetectionResult r;
      r.image_id = images[i].image_id;
      r.category_id = labels.data_ptr<int64_t>()[k];
      // COCO: BoxList.convert("xywh"), w = x2 - x1 + 1; LVIS: MDETR's convert_to_xywh (glip/data/boxes.h).
      const auto xywh = data::xyxy_to_result_xywh({b[4 * k], b[4 * k + 1], b[4 * k + 2], b[4 * k + 3]}, plus_one);
      r.bbox = {xywh[0], xywh[1], xywh[2], xywh[3]};
      r.score = scores.data_ptr<double>()[k];
      out.push_back(r);
    }
  }
  return out;
}

std::string results_json(const std::vector<formats::DetectionResult>& results) {
  nlohmann::json arr = nlohmann::json::array();
  for (const auto& r : results)
    arr.push_back({{"image_id", r.image_id},
                   {"category_id", r.category_id},
                   {"bbox", {r.bbox.x, r.bbox.y, r.bbox.w, r.bbox.h}},
                   {"score", r.score}});
  return arr.dump() + "\n";
}

}  // namespace glip::inference
