// Flickr30K Entities grounding with a model: MDETR json in, MDETR-format predictions out.
#include "glip/inference/flickr_grounding.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <map>
#include <numeric>

#include "glip/core/error.h"
#include "glip/core/fs.h"
#include "glip/core/json.h"
#include "glip/data/transforms.h"

namespace glip::inference {
namespace {

using nlohmann::json;

std::string join_root(const std::string& root, const std::string& file) {
  if (root.empty() || (!file.empty() && file[0] == '/')) return file;
  return root.back() == '/' ? root + file : root + "/" + file;
}

/** Per phrase: its boxes by descending score, then [0, 0, 0, 0] (official flickr_post_process). */
json phrase_boxes(const Detections& d, int64_t num_phrases) {
  const at::Tensor boxes = d.boxes.to(at::kCPU, at::kDouble).contiguous();
  const at::Tensor scores = d.scores.to(at::kCPU, at::kDouble).contiguous();
  const at::Tensor labels = d.labels.to(at::kCPU, at::kLong).contiguous();
  const int64_t n = boxes.size(0);
  std::vector<int64_t> order(static_cast<size_t>(n));
  std::iota(order.begin(), order.end(), 0);
  const double* s = scores.data_ptr<double>();
  std::stable_sort(order.begin(), order.end(), [s](int64_t a, int64_t b) { return s[a] > s[b]; });
  json out = json::array();
  for (int64_t p = 0; p < num_phrases; ++p) out.push_back(json::array());
  const double* b = boxes.data_ptr<double>();
  const int64_t* l = labels.data_ptr<int64_t>();
  for (int64_t k : order) {
    const int64_t p = l[k] - 1;
    GLIP_CHECK(p >= 0 && p < num_phrases, "flickr: detection label ", l[k], " outside 1..", num_phrases);
    out[static_cast<size_t>(p)].push_back({b[4 * k], b[4 * k + 1], b[4 * k + 2], b[4 * k + 3]});
  }
  for (auto& p : out) p.push_back({0.0, 0.0, 0.0, 0.0});
  return out;
}

}  // namespace

std::vector<FlickrQuery> read_flickr_queries(const std::string& mdetr_json, const std::string& image_root) {
  const json doc = parse_json_input(read_file(mdetr_json), "file '" + mdetr_json + "'");
  GLIP_CHECK_INPUT(doc.is_object() && doc.contains("images") && doc["images"].is_array(), "file '", mdetr_json,
                   "': expected an object with an 'images' list (MDETR final_flickr_separateGT_<split>.json)");
  std::vector<FlickrQuery> out;
  for (const auto& im : doc["images"]) {
    const std::string where =
        "file '" + mdetr_json + "': image " + (im.is_object() && im.contains("id") ? json_dump(im["id"]) : "null");
    for (const char* key : {"file_name", "caption", "tokens_positive_eval", "sentence_id", "original_img_id"})
      GLIP_CHECK_INPUT(im.contains(key), where, ": missing key '", key, "'");
    GLIP_CHECK_INPUT(im["file_name"].is_string() && im["caption"].is_string(), where,
                     ": 'file_name' and 'caption' must be strings");
    FlickrQuery q;
    q.image_id_json = json_dump(im["original_img_id"]);
    q.sentence_id_json = json_dump(im["sentence_id"]);
    q.source.path = join_root(image_root, im["file_name"].get<std::string>());
    q.prompt.text = im["caption"].get<std::string>();
    const auto& phrases = im["tokens_positive_eval"];
    GLIP_CHECK_INPUT(phrases.is_array(), where, ": 'tokens_positive_eval' must be a list of span lists");
    q.num_phrases = static_cast<int64_t>(phrases.size());
    for (size_t p = 0; p < phrases.size(); ++p) {
      GLIP_CHECK_INPUT(phrases[p].is_array() && !phrases[p].empty(), where, ": tokens_positive_eval[", p,
                       "] must be a non-empty list of [start, end]");
      for (const auto& span : phrases[p]) {
        GLIP_CHECK_INPUT(span.is_array() && span.size() == 2 && span[0].is_number_integer() &&
                             span[1].is_number_integer() && span[0].get<int64_t>() < span[1].get<int64_t>(),
                         where, ": tokens_positive_eval[", p, "] has a span that is not [start, end] with start < end");
        q.prompt.spans.emplace_back(span[0].get<int64_t>(), span[1].get<int64_t>());
        q.prompt.labels.push_back(static_cast<int64_t>(p) + 1);
      }
    }
    out.push_back(std::move(q));
  }
  GLIP_CHECK_INPUT(!out.empty(), "file '", mdetr_json, "': no images");
  return out;
}

std::string ground_flickr(const Predictor& predictor, const std::vector<FlickrQuery>& queries,
                          const InferenceOptions& options) {
  at::NoGradGuard no_grad;
  // Group the sentences by image (first-appearance order) so that each image is encoded once.
  std::vector<std::string> paths;
  std::map<std::string, std::vector<size_t>> by_image;
  for (size_t i = 0; i < queries.size(); ++i) {
    if (queries[i].num_phrases == 0) continue;  // nothing to ground: an empty prediction, no model call
    auto& v = by_image[queries[i].source.path];
    if (v.empty()) paths.push_back(queries[i].source.path);
    v.push_back(i);
  }
  const auto without_phrases = static_cast<int64_t>(
      std::count_if(queries.begin(), queries.end(), [](const FlickrQuery& q) { return q.num_phrases == 0; }));
  if (without_phrases > 0 && options.on_images_done) options.on_images_done(without_phrases);
  std::vector<Detections> dets(queries.size());
  const auto bs = static_cast<size_t>(std::max<int64_t>(1, options.batch_size));
  for (size_t b = 0; b < paths.size(); b += bs) {
    const size_t e = std::min(paths.size(), b + bs);
    std::vector<at::Tensor> images;
    size_t rounds = 0, done = 0;
    for (size_t i = b; i < e; ++i) {
      images.push_back(data::decode_image(queries[by_image[paths[i]].front()].source));
      rounds = std::max(rounds, by_image[paths[i]].size());
    }
    EncodedImages all;
    if (options.reuse_features) all = predictor.encode(images);
    for (size_t r = 0; r < rounds; ++r) {  // round r: the r-th sentence of every image that has one
      std::vector<int64_t> rows;
      std::vector<text::Prompt> prompts;
      std::vector<size_t> targets;
      for (size_t i = b; i < e; ++i) {
        const auto& idx = by_image[paths[i]];
        if (r >= idx.size()) continue;
        rows.push_back(static_cast<int64_t>(i - b));
        prompts.push_back(queries[idx[r]].prompt);
        targets.push_back(idx[r]);
      }
      std::vector<Detections> out;
      if (!options.reuse_features) {
        std::vector<at::Tensor> sub;
        for (int64_t row : rows) sub.push_back(images[static_cast<size_t>(row)]);
        out = predictor.predict(sub, prompts);
      } else if (rows.size() == images.size()) {
        out = predictor.detect(all, prompts);
      } else {
        EncodedImages sub;
        const at::Tensor index = at::tensor(rows, at::kLong).to(all.levels.front().device());
        for (const auto& level : all.levels) sub.levels.push_back(level.index_select(0, index));
        for (int64_t row : rows) {
          sub.image_sizes.push_back(all.image_sizes[static_cast<size_t>(row)]);
          sub.original_sizes.push_back(all.original_sizes[static_cast<size_t>(row)]);
        }
        out = predictor.detect(sub, prompts);
      }
      for (size_t k = 0; k < targets.size(); ++k) dets[targets[k]] = out[k];
      done += targets.size();
    }
    if (options.on_images_done) options.on_images_done(static_cast<int64_t>(done));
  }
  std::string text = "[";
  for (size_t i = 0; i < queries.size(); ++i) {
    json entry = {
        {"image_id", json::parse(queries[i].image_id_json)},
        {"sentence_id", json::parse(queries[i].sentence_id_json)},
        {"boxes", queries[i].num_phrases == 0 ? json::array() : phrase_boxes(dets[i], queries[i].num_phrases)}};
    text += (i ? ",\n" : "\n") + entry.dump();
  }
  return text + "\n]\n";
}

}  // namespace glip::inference
