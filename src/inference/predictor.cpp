#include "glip/inference/predictor.h"

#include <torch/torch.h>

#include <random>

#include "glip/core/error.h"
#include "glip/data/grounding_batch.h"
#include "glip/data/transforms.h"
#include "glip/text/positive_map.h"
#include "glip/text/text_batch.h"

namespace glip::inference {

namespace {

/** Drops low scores and scales boxes from the resized frame to the original image (official BoxList.resize). */
Detections to_original(Detections d, std::array<int64_t, 2> resized_hw, std::array<int64_t, 2> original_hw,
                       double score_threshold) {
  if (score_threshold > 0 && d.scores.numel() > 0) {
    auto keep = (d.scores >= score_threshold).nonzero().squeeze(1);
    d.boxes = d.boxes.index_select(0, keep);
    d.scores = d.scores.index_select(0, keep);
    d.labels = d.labels.index_select(0, keep);
  }
  const double sy = static_cast<double>(original_hw[0]) / static_cast<double>(resized_hw[0]);
  const double sx = static_cast<double>(original_hw[1]) / static_cast<double>(resized_hw[1]);
  d.boxes = d.boxes * at::tensor({sx, sy, sx, sy}, d.boxes.options());
  return d;
}

}  // namespace

Predictor::Predictor(modeling::GlipModel model, std::shared_ptr<const text::Tokenizer> tokenizer,
                     PredictorOptions options, at::Device device)
    : model_(std::move(model)), tokenizer_(std::move(tokenizer)), options_(options), device_(device) {
  GLIP_CHECK(model_ && tokenizer_, "Predictor needs a model and a tokenizer");
  GLIP_CHECK_INPUT(options_.min_size > 0 && options_.max_query_len > 2, "predictor: min_size ", options_.min_size,
                   " and max_query_len ", options_.max_query_len, " must be positive (max_query_len > 2)");
  model_->to(device_);
  model_->eval();
}

EncodedImages Predictor::encode(const std::vector<at::Tensor>& bgr_images) const {
  GLIP_CHECK_INPUT(!bgr_images.empty(), "predictor: no images given");
  data::TransformOptions topt;
  topt.min_size = {options_.min_size};
  topt.max_size = options_.max_size;
  topt.flip_prob = 0.0;
  std::mt19937_64 rng(0);  // draws nothing: one size, no flip
  std::vector<at::Tensor> images;
  EncodedImages out;
  for (size_t i = 0; i < bgr_images.size(); ++i) {
    const auto& im = bgr_images[i];
    GLIP_CHECK_INPUT(im.defined() && im.dim() == 3 && im.size(2) == 3 && im.scalar_type() == at::kByte,
                     "predictor: image ", i, " must be BGR uint8 [H, W, 3]");
    auto t = data::transform_sample(data::Record{}, im.contiguous(), topt, rng);
    out.original_sizes.push_back({t.orig_h, t.orig_w});
    images.push_back(t.image);
  }
  ImageBatch batch = data::pad_images(images, options_.size_divisibility);
  out.image_sizes = batch.image_sizes;
  torch::NoGradGuard no_grad;
  modeling::GlipModel model = model_;  // a handle: the module itself is not const
  out.levels = model->visual_features(batch.images.to(device_));
  return out;
}

std::vector<Detections> Predictor::detect(const EncodedImages& images, const std::vector<Query>& queries) const {
  const int64_t B = images.size();
  GLIP_CHECK_INPUT(static_cast<int64_t>(queries.size()) == B || queries.size() == 1, "predictor: ", B, " images but ",
                   queries.size(), " queries (give one per image or one for all)");
  std::vector<std::string> texts;
  for (const auto& q : queries) texts.push_back(q.text);
  std::vector<text::Encoding> encodings;
  TextBatch text = text::encode_batch(*tokenizer_, texts, options_.max_query_len, &encodings);
  std::vector<LabelToTokens> maps;
  for (size_t k = 0; k < queries.size(); ++k) {
    const auto& q = queries[k];
    GLIP_CHECK_INPUT(q.labels.size() == q.spans.size(), "predictor: query '", q.text, "' has ", q.labels.size(),
                     " labels but ", q.spans.size(), " spans");
    std::vector<std::vector<text::Offset>> spans;
    for (const auto& s : q.spans) spans.push_back({s});
    LabelToTokens m = text::label_to_tokens_from_spans(encodings[k], spans, q.labels);
    GLIP_CHECK_INPUT(!m.empty(), "predictor: no phrase of the query '", q.text, "' falls inside the first ",
                     options_.max_query_len, " tokens (nothing to detect)");
    maps.push_back(std::move(m));
  }
  text.input_ids = text.input_ids.to(device_);
  text.attention_mask = text.attention_mask.to(device_);
  text.token_type_ids = text.token_type_ids.to(device_);
  if (maps.size() == 1 && B > 1) maps.assign(static_cast<size_t>(B), maps[0]);
  torch::NoGradGuard no_grad;
  modeling::GlipModel model = model_;
  auto out = model->forward_features(images.levels, images.image_sizes, text, {}, maps);
  std::vector<Detections> result;
  for (int64_t i = 0; i < B; ++i) {
    const auto u = static_cast<size_t>(i);
    result.push_back(to_original(std::move(out.detections[u]), images.image_sizes[u], images.original_sizes[u],
                                 options_.score_threshold));
  }
  return result;
}

std::vector<Detections> Predictor::predict(const std::vector<at::Tensor>& bgr_images,
                                           const std::vector<Query>& queries) const {
  return detect(encode(bgr_images), queries);
}

}  // namespace glip::inference
