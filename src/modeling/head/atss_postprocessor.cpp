#include "glip/modeling/head/atss_postprocessor.h"

#include <algorithm>

#include "glip/core/error.h"
#include "glip/ops/boxes.h"
#include "glip/ops/nms.h"

namespace glip::modeling {

at::Tensor phrase_scores(const at::Tensor& token_probs, const LabelToTokens& label_to_tokens, ScoreAggregation agg) {
  GLIP_CHECK(token_probs.dim() == 2, "phrase_scores: token probabilities must be [N, T], got ", token_probs.sizes());
  const int64_t t = token_probs.size(1);
  size_t max_len = 1;
  for (const auto& [label, tokens] : label_to_tokens) {
    GLIP_CHECK_INPUT(!tokens.empty(), "label-to-token map: label ", label, " has no tokens");
    for (int64_t tok : tokens)
      GLIP_CHECK_INPUT(tok >= 0 && tok < t, "label-to-token map: label ", label, " refers to token ", tok,
                       ", outside the ", t, " tokens of the prompt");
    max_len = std::max(max_len, tokens.size());
  }
  const int64_t k = static_cast<int64_t>(label_to_tokens.size());
  if (k == 0) return at::zeros({token_probs.size(0), 0}, token_probs.options());
  // Gather [N, K, L] with padded slots pointing at an appended column of zeros (probabilities are >= 0, so a
  // zero pad changes neither the sum nor the max).
  std::vector<int64_t> index, counts;
  for (const auto& [label, tokens] : label_to_tokens) {
    for (size_t j = 0; j < max_len; ++j) index.push_back(j < tokens.size() ? tokens[j] : t);
    counts.push_back(static_cast<int64_t>(tokens.size()));
  }
  auto idx = at::tensor(index, at::TensorOptions().dtype(at::kLong)).to(token_probs.device());
  auto padded = at::cat({token_probs, at::zeros({token_probs.size(0), 1}, token_probs.options())}, 1);
  auto gathered = padded.index_select(1, idx).view({token_probs.size(0), k, static_cast<int64_t>(max_len)});
  if (agg == ScoreAggregation::kMax) return std::get<0>(gathered.max(2));
  auto n = at::tensor(counts, at::TensorOptions().dtype(at::kLong)).to(token_probs.device(), token_probs.scalar_type());
  return gathered.sum(2) / n.unsqueeze(0);
}

Detections rescale_detections(const Detections& detections, std::array<int64_t, 2> resized_hw,
                              std::array<int64_t, 2> original_hw) {
  Detections out = detections;
  out.boxes = ops::rescale_boxes(detections.boxes, resized_hw, original_hw);
  return out;
}

AtssPostProcessor::AtssPostProcessor(AtssPostProcessorOptions options)
    : options_(std::move(options)), box_coder_(options_.box_coder) {
  GLIP_CHECK(options_.pre_nms_top_n > 0, "ATSS post-processor: pre_nms_top_n must be > 0");
}

std::vector<Detections> AtssPostProcessor::operator()(const HeadOutputs& outputs,
                                                      const std::vector<at::Tensor>& anchors,
                                                      const std::vector<std::array<int64_t, 2>>& image_sizes_hw,
                                                      const std::vector<LabelToTokens>& label_to_tokens) const {
  const size_t levels = check_head_outputs(outputs, anchors);
  const int64_t batch = outputs.box_regression[0].size(0);
  GLIP_CHECK(static_cast<int64_t>(image_sizes_hw.size()) == batch, "ATSS post-processor: ", image_sizes_hw.size(),
             " image sizes for a batch of ", batch);
  GLIP_CHECK(label_to_tokens.size() == 1 || static_cast<int64_t>(label_to_tokens.size()) == batch,
             "ATSS post-processor: need one label-to-token map or one per image (", batch, "), got ",
             label_to_tokens.size());

  std::vector<Detections> results;
  for (int64_t i = 0; i < batch; ++i) {
    const auto& map = label_to_tokens.size() == 1 ? label_to_tokens[0] : label_to_tokens[i];
    std::vector<at::Tensor> boxes, scores, labels;
    for (size_t l = 0; l < levels; ++l) {
      auto top = top_candidates(candidates(outputs, anchors[l], l, i, image_sizes_hw[i], map));
      boxes.push_back(top.boxes);
      scores.push_back(top.scores);
      labels.push_back(top.labels);
    }
    results.push_back(select({at::cat(boxes, 0), at::cat(scores, 0), at::cat(labels, 0)}));
  }
  return results;
}

LevelCandidates AtssPostProcessor::candidates(const HeadOutputs& outputs, const at::Tensor& level_anchors, size_t level,
                                              int64_t image, std::array<int64_t, 2> image_hw,
                                              const LabelToTokens& label_to_tokens) const {
  const int64_t apl = outputs.box_regression[level].size(1) / 4;
  auto dot = outputs.dot_product_logits[level][image];  // [HWA, T]
  auto reg = permute_and_flatten(outputs.box_regression[level].slice(0, image, image + 1), apl, 4)[0];
  auto ctr = permute_and_flatten(outputs.centerness[level].slice(0, image, image + 1), apl, 1)[0].view(-1).sigmoid();
  auto probs = phrase_scores(dot.sigmoid(), label_to_tokens, options_.score_agg);  // [HWA, K]
  auto mask = probs > options_.pre_nms_thresh;  // the threshold is applied before centerness
  auto idx = at::nonzero(mask);                 // [M, 2] (location, label column), row-major
  auto ranking = (probs * ctr.unsqueeze(1)).masked_select(mask);
  auto loc = idx.select(1, 0);
  std::vector<int64_t> label_ids;
  for (const auto& entry : label_to_tokens) label_ids.push_back(entry.first);
  auto label_of_column = at::tensor(label_ids, at::TensorOptions().dtype(at::kLong)).to(idx.device());
  auto boxes =
      ops::clip_boxes(box_coder_.decode(reg.index_select(0, loc), level_anchors.index_select(0, loc)), image_hw);
  LevelCandidates c;
  c.ranking = ranking;
  c.detections = {boxes, at::sqrt(ranking), label_of_column.index_select(0, idx.select(1, 1))};
  return c;
}

Detections AtssPostProcessor::top_candidates(const LevelCandidates& c) const {
  const int64_t n = std::min<int64_t>(c.ranking.numel(), options_.pre_nms_top_n);
  auto top = std::get<1>(c.ranking.topk(n, 0, /*largest=*/true, /*sorted=*/true));
  // As upstream, small boxes are removed after the cut.
  top = top.index_select(0, ops::keep_min_size(c.detections.boxes.index_select(0, top), options_.min_size));
  const auto& d = c.detections;
  return {d.boxes.index_select(0, top), d.scores.index_select(0, top), d.labels.index_select(0, top)};
}

Detections AtssPostProcessor::select(const Detections& candidates) const {
  auto keep = ops::batched_nms(candidates.boxes, candidates.scores, candidates.labels, options_.nms_thresh);
  Detections det{candidates.boxes.index_select(0, keep), candidates.scores.index_select(0, keep),
                 candidates.labels.index_select(0, keep)};
  const int64_t n = det.scores.size(0);
  if (options_.detections_per_image > 0 && n > options_.detections_per_image) {
    // kthvalue semantics: every detection scoring at least the cut value stays (ties included).
    auto cut =
        std::get<0>(det.scores.detach().to(at::kCPU, at::kFloat).kthvalue(n - options_.detections_per_image + 1));
    auto sel = at::nonzero(det.scores >= cut.item<float>()).view(-1);
    det = {det.boxes.index_select(0, sel), det.scores.index_select(0, sel), det.labels.index_select(0, sel)};
  }
  return det;
}

}  // namespace glip::modeling
