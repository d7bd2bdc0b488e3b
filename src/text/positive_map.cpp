#include "glip/text/positive_map.h"

#include "glip/core/error.h"

namespace glip::text {

std::optional<std::pair<int64_t, int64_t>> span_to_tokens(const Encoding& enc, const Offset& span) {
  const auto [beg, end] = span;
  auto b = enc.char_to_token(beg);
  if (!b) b = enc.char_to_token(beg + 1);
  if (!b) b = enc.char_to_token(beg + 2);
  auto e = enc.char_to_token(end - 1);
  if (!e) e = enc.char_to_token(end - 2);
  if (!e) e = enc.char_to_token(end - 3);
  if (!b || !e) return std::nullopt;
  return std::make_pair(*b, *e);
}

at::Tensor create_positive_map(const Encoding& enc, const std::vector<std::vector<Offset>>& spans, bool normalize,
                               int64_t width) {
  at::Tensor map = at::zeros({static_cast<int64_t>(spans.size()), width}, at::kFloat);
  auto acc = map.accessor<float, 2>();
  for (size_t j = 0; j < spans.size(); ++j) {
    for (const auto& s : spans[j]) {
      const auto t = span_to_tokens(enc, s);
      if (!t) continue;
      for (int64_t i = t->first; i <= t->second && i < width; ++i) acc[static_cast<int64_t>(j)][i] = 1.0f;
    }
  }
  if (normalize) map = map / (map.sum(-1, true) + 1e-6);
  return map;
}

at::Tensor binarize_positive_map(const at::Tensor& positive_map) { return (positive_map > 0).to(at::kFloat); }

at::Tensor no_object_row(int64_t width) {
  at::Tensor r = at::zeros({width}, at::kFloat);
  r[width - 1] = 1.0f;
  return r;
}

LabelToTokens label_to_tokens_from_positive_map(const at::Tensor& positive_map, int64_t plus) {
  GLIP_CHECK(positive_map.dim() == 2, "positive map must be 2-D, got ", positive_map.dim(), "-D");
  const at::Tensor pm = positive_map.to(at::kCPU);
  LabelToTokens out;
  for (int64_t i = 0; i < pm.size(0); ++i) {
    const at::Tensor nz = pm[i].nonzero().flatten().to(at::kLong).contiguous();
    out[i + plus] = std::vector<int64_t>(nz.data_ptr<int64_t>(), nz.data_ptr<int64_t>() + nz.numel());
  }
  return out;
}

LabelToTokens label_to_tokens_from_spans(const Encoding& enc, const std::vector<std::vector<Offset>>& spans,
                                         const std::vector<int64_t>& labels,
                                         std::map<int64_t, int64_t>* token_to_label) {
  GLIP_CHECK(spans.size() == labels.size(), "label_to_tokens_from_spans: ", spans.size(), " span lists but ",
             labels.size(), " labels");
  LabelToTokens out;
  for (size_t j = 0; j < spans.size(); ++j) {
    for (const auto& s : spans[j]) {
      const auto t = span_to_tokens(enc, s);
      if (!t) continue;
      for (int64_t i = t->first; i <= t->second; ++i) {
        out[labels[j]].push_back(i);
        if (token_to_label) (*token_to_label)[i] = labels[j];
      }
    }
  }
  return out;
}

}  // namespace glip::text
