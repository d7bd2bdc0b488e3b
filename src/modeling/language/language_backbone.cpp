#include "glip/modeling/language/language_backbone.h"

#include "glip/core/error.h"

namespace glip::modeling {

LanguageBodyImpl::LanguageBodyImpl(const BertOptions& o) { model = register_module("model", BertModel(o)); }

LanguageBackboneImpl::LanguageBackboneImpl(const LanguageBackboneOptions& o) : options_(o) {
  GLIP_CHECK_INPUT(o.n_layers >= 1 && o.n_layers <= o.bert.num_layers, "language backbone: n_layers ", o.n_layers,
                   " must be in [1, ", o.bert.num_layers, "]");
  body = register_module("body", LanguageBody(o.bert));
}

LanguageFeatures LanguageBackboneImpl::forward(const TextBatch& text) {
  GLIP_CHECK_INPUT(text.input_ids.defined() && text.input_ids.dim() == 2,
                   "language backbone: input_ids must be [B, T]");
  GLIP_CHECK_INPUT(text.attention_mask.defined() && text.attention_mask.sizes() == text.input_ids.sizes(),
                   "language backbone: attention_mask must match input_ids ", text.input_ids.sizes());
  auto layers = body->model->forward(text.input_ids, text.attention_mask, text.token_type_ids);
  const auto n = static_cast<size_t>(options_.n_layers);
  at::Tensor features;
  if (n == 1) {
    features = layers.back();
  } else {
    std::vector<at::Tensor> last(layers.end() - static_cast<std::ptrdiff_t>(n), layers.end());
    features = at::stack(last, 1).mean(1) / static_cast<double>(n);
  }
  LanguageFeatures out;
  out.masks = text.attention_mask;
  auto m = text.attention_mask.to(features.scalar_type()).unsqueeze(-1);
  out.embedded = features * m;
  out.aggregate = out.embedded.sum(1) / m.sum(1);
  out.hidden = layers.back();
  return out;
}

}  // namespace glip::modeling
