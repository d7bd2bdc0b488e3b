// infer_images: prompts of a vocabulary on image files in batches; detections.jsonl, vis/, results.json, images.json.
#include "glip/inference/infer_run.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>

#include "glip/core/error.h"
#include "glip/core/fs.h"
#include "glip/core/progress.h"
#include "glip/data/transforms.h"
#include "glip/inference/batch_detect.h"
#include "glip/inference/infer_output.h"
#include "glip/io/image.h"

namespace glip::inference {
namespace {

/** The detections of one image scoring at least `threshold`, by descending score, named by the vocabulary. */
std::vector<DrawnDetection> kept_detections(const Detections& dets, const std::map<int64_t, std::string>& vocab,
                                            double threshold) {
  const auto boxes = dets.boxes.to(at::kCPU, at::kDouble).contiguous();
  const auto scores = dets.scores.to(at::kCPU, at::kDouble).contiguous();
  const auto labels = dets.labels.to(at::kCPU, at::kLong).contiguous();
  std::vector<DrawnDetection> kept;
  for (int64_t n = 0; n < boxes.size(0); ++n) {
    const double s = scores.data_ptr<double>()[n];
    if (s < threshold) continue;
    const double* bx = boxes.data_ptr<double>() + 4 * n;
    const int64_t label = labels.data_ptr<int64_t>()[n];
    kept.push_back({vocab.at(label), label, s, {bx[0], bx[1], bx[2], bx[3]}});
  }
  std::sort(kept.begin(), kept.end(), [](const auto& x, const auto& y) { return x.score > y.score; });
  return kept;
}

}  // namespace

void check_infer_options(const InferRunOptions& o) {
  GLIP_CHECK_INPUT(!o.images.empty(), "infer_images: no image to run on");
  GLIP_CHECK_INPUT(!o.vocabulary.empty(), "infer_images: no category or phrase to detect");
  GLIP_CHECK_INPUT(o.score_threshold >= 0 && o.score_threshold <= 1, "--score-threshold ", o.score_threshold,
                   ": expected a value in [0, 1]");
}

InferRunSummary infer_images(const Predictor& predictor, const InferRunOptions& o) {
  namespace fs = std::filesystem;
  using nlohmann::json;
  check_infer_options(o);
  GLIP_CHECK_INPUT(!o.out_dir.empty(), "infer_images: no output folder");
  const std::string& out = o.out_dir;
  fs::create_directories(o.draw ? out + "/vis" : out);
  const auto queries =
      text::plan_category_queries(o.vocabulary, predictor.tokenizer(), o.chunk_size, predictor.options().max_query_len,
                                  o.class_prompts.empty() ? nullptr : &o.class_prompts);
  std::vector<text::Prompt> prompts;
  for (const auto& q : queries) prompts.push_back(q.prompt);

  std::vector<std::string> paths;
  for (const auto& im : o.images) paths.push_back(im.path);
  const auto stems = output_stems(paths);
  const size_t bs = static_cast<size_t>(std::max<int64_t>(1, o.batch_size));
  ProgressMeter meter("[infer]", static_cast<int64_t>(paths.size()), "images", o.show_progress ? stderr : nullptr);
  std::vector<formats::DetectionResult> results;
  json images_json = json::array();
  std::string jsonl;
  InferRunSummary summary;
  for (size_t b = 0; b < paths.size(); b += bs) {
    std::vector<at::Tensor> batch;
    std::vector<EvalImage> ids;
    for (size_t i = b; i < std::min(paths.size(), b + bs); ++i) {
      batch.push_back(data::decode_image({paths[i], ""}));
      ids.push_back({o.images[i].id, {paths[i], ""}});
    }
    const auto dets = detect_batch(predictor, batch, prompts, /*reuse_features=*/true);
    // COCO results as the official prepare_for_coco_detection writes them: w = x2 - x1 + 1 (glip/data/boxes.h).
    for (const auto& r : to_results(ids, dets, /*plus_one=*/true))
      if (r.score >= o.score_threshold) results.push_back(r);
    for (size_t k = 0; k < batch.size(); ++k) {
      const size_t i = b + k;
      const auto kept = kept_detections(dets[k], o.vocabulary, o.score_threshold);
      summary.detections += static_cast<int64_t>(kept.size());
      const int64_t h = batch[k].size(0), w = batch[k].size(1);
      const std::string line = detections_json(paths[i], w, h, kept);
      if (o.on_image) o.on_image(line);
      jsonl += line + "\n";
      images_json.push_back({{"id", o.images[i].id}, {"file_name", paths[i]}, {"width", w}, {"height", h}});
      if (o.draw) {
        const at::Tensor img = batch[k].contiguous();
        const cv::Mat bgr(static_cast<int>(h), static_cast<int>(w), CV_8UC3, img.data_ptr<uint8_t>());
        write_file_atomic(out + "/vis/" + stems[i] + ".jpg", io::encode_jpeg(draw_detections(bgr, kept), 92));
      }
    }
    meter.advance(static_cast<int64_t>(batch.size()));
  }
  meter.finish();
  write_file_atomic(out + "/detections.jsonl", jsonl);
  if (o.coco_files) {
    json cats = json::array();
    for (const auto& [id, name] : o.vocabulary) cats.push_back({{"id", id}, {"name", name}});
    write_file_atomic(out + "/results.json", results_json(results));
    write_file_atomic(out + "/images.json", json{{"images", images_json}, {"categories", cats}}.dump() + "\n");
  }
  summary.images = static_cast<int64_t>(paths.size());
  summary.images_per_second = meter.rate();
  return summary;
}

}  // namespace glip::inference
