#include "glip/modeling/language/bert.h"

#include <ATen/record_function.h>

#include "glip/core/error.h"
#include "glip/modeling/fp16_clamp.h"
#include "glip/ops/dropout.h"
#include "glip/ops/gemm.h"

namespace glip::modeling {

void BertOptions::validate() const {
  GLIP_CHECK_INPUT(vocab_size > 0 && hidden_size > 0 && num_layers >= 0 && num_heads > 0 && intermediate_size > 0 &&
                       max_position_embeddings > 0 && type_vocab_size > 0,
                   "BERT options: sizes must be positive (vocab ", vocab_size, ", hidden ", hidden_size, ", layers ",
                   num_layers, ", heads ", num_heads, ", intermediate ", intermediate_size, ", positions ",
                   max_position_embeddings, ", token types ", type_vocab_size, ")");
  GLIP_CHECK_INPUT(hidden_size % num_heads == 0, "BERT options: hidden_size ", hidden_size,
                   " is not a multiple of num_heads ", num_heads);
}

at::Tensor extended_attention_mask(const at::Tensor& mask, const at::Tensor& like) {
  auto m = mask.to(like.scalar_type()).unsqueeze(1).unsqueeze(1);
  return (1.0 - m) * -10000.0;
}

BertEmbeddingsImpl::BertEmbeddingsImpl(const BertOptions& o) {
  o.validate();
  word_embeddings = register_module("word_embeddings", torch::nn::Embedding(o.vocab_size, o.hidden_size));
  position_embeddings =
      register_module("position_embeddings", torch::nn::Embedding(o.max_position_embeddings, o.hidden_size));
  token_type_embeddings =
      register_module("token_type_embeddings", torch::nn::Embedding(o.type_vocab_size, o.hidden_size));
  LayerNorm = register_module("LayerNorm",
                              torch::nn::LayerNorm(torch::nn::LayerNormOptions({o.hidden_size}).eps(o.layer_norm_eps)));
  dropout = register_module("dropout", torch::nn::Dropout(o.hidden_dropout));
  position_ids = register_buffer("position_ids", torch::arange(o.max_position_embeddings).unsqueeze(0));
  // HF initialisation: normal(0, 0.02) embeddings (words: word_embedding_init_std), LayerNorm 1/0.
  torch::NoGradGuard g;
  word_embeddings->weight.normal_(0.0, o.word_embedding_init_std);
  position_embeddings->weight.normal_(0.0, 0.02);
  token_type_embeddings->weight.normal_(0.0, 0.02);
}

at::Tensor BertEmbeddingsImpl::forward(const at::Tensor& input_ids, const at::Tensor& token_type_ids) {
  GLIP_CHECK_INPUT(input_ids.dim() == 2, "BERT: input_ids must be [B, T], got ", input_ids.sizes());
  const int64_t T = input_ids.size(1);
  GLIP_CHECK_INPUT(T <= position_ids.size(1), "BERT: sequence length ", T, " exceeds max_position_embeddings ",
                   position_ids.size(1));
  auto pos = position_ids.narrow(1, 0, T);
  auto types = token_type_ids.defined() ? token_type_ids : torch::zeros_like(input_ids);
  auto x = word_embeddings(input_ids) + token_type_embeddings(types) + position_embeddings(pos);
  return ops::dropout(LayerNorm(x), dropout->options.p(), dropout->is_training());
}

BertSelfAttentionImpl::BertSelfAttentionImpl(const BertLayerOptions& o)
    : heads_(o.bert.num_heads),
      head_dim_(o.bert.hidden_size / o.bert.num_heads),
      clamp_min_(o.clamp_attention_min),
      clamp_max_(o.clamp_attention_max) {
  o.bert.validate();
  const int64_t c = o.bert.hidden_size;
  query = register_module("query", modeling::Linear(c, c));
  key = register_module("key", modeling::Linear(c, c));
  value = register_module("value", modeling::Linear(c, c));
  dropout = register_module("dropout", torch::nn::Dropout(o.bert.attention_dropout));
}

at::Tensor BertSelfAttentionImpl::forward(const at::Tensor& hidden, const at::Tensor& ext_mask) {
  const int64_t B = hidden.size(0), T = hidden.size(1);
  auto split = [&](const at::Tensor& x) { return x.view({B, T, heads_, head_dim_}).permute({0, 2, 1, 3}); };
  auto q = split(query(hidden));
  auto k = split(key(hidden));
  auto v = split(value(hidden));
  auto scores = ops::matmul(q, k.transpose(-1, -2)) / std::sqrt(static_cast<double>(head_dim_));
  scores = clamp_pm(scores, clamp_min_, clamp_max_);
  if (ext_mask.defined()) scores = scores + ext_mask;
  auto probs = ops::dropout(at::softmax(scores, -1), dropout->options.p(), dropout->is_training());
  auto ctx = ops::matmul(probs, v);  // [B, H, T, D]
  return ctx.permute({0, 2, 1, 3}).reshape({B, T, heads_ * head_dim_});
}

BertResidualOutputImpl::BertResidualOutputImpl(int64_t in, int64_t out, double eps, double p, bool clamp)
    : clamp_(clamp) {
  dense = register_module("dense", modeling::Linear(in, out));
  LayerNorm = register_module("LayerNorm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({out}).eps(eps)));
  dropout = register_module("dropout", torch::nn::Dropout(p));
}

at::Tensor BertResidualOutputImpl::forward(const at::Tensor& x, const at::Tensor& residual) {
  auto h = ops::dropout(dense(x), dropout->options.p(), dropout->is_training());
  if (clamp_) h = clamp_pm(h);
  h = LayerNorm(h + residual);
  if (clamp_) h = clamp_pm(h);
  return h;
}

BertAttentionImpl::BertAttentionImpl(const BertLayerOptions& o) {
  self = register_module("self", BertSelfAttention(o));
  // BertSelfOutput has no clamps, in HF and in GLIP's modeling_bert.py alike.
  output = register_module("output", BertResidualOutput(o.bert.hidden_size, o.bert.hidden_size, o.bert.layer_norm_eps,
                                                        o.bert.hidden_dropout, false));
}

at::Tensor BertAttentionImpl::forward(const at::Tensor& hidden, const at::Tensor& ext_mask) {
  return output(self(hidden, ext_mask), hidden);
}

BertIntermediateImpl::BertIntermediateImpl(const BertOptions& o, bool clamp) : clamp_(clamp) {
  dense = register_module("dense", modeling::Linear(o.hidden_size, o.intermediate_size));
}

at::Tensor BertIntermediateImpl::forward(const at::Tensor& x) {
  auto h = dense(x);
  if (clamp_) h = clamp_pm(h);
  h = at::gelu(h);  // exact erf GELU (HF "gelu")
  if (clamp_) h = clamp_pm(h);
  return h;
}

BertLayerImpl::BertLayerImpl(const BertLayerOptions& o) {
  attention = register_module("attention", BertAttention(o));
  intermediate = register_module("intermediate", BertIntermediate(o.bert, o.clamp_ffn));
  output = register_module("output", BertResidualOutput(o.bert.intermediate_size, o.bert.hidden_size,
                                                        o.bert.layer_norm_eps, o.bert.hidden_dropout, o.clamp_ffn));
}

at::Tensor BertLayerImpl::forward(const at::Tensor& hidden, const at::Tensor& mask) {
  RECORD_USER_SCOPE("glip::BertLayer");  // a scope in LibTorch's profiler
  return forward_extended(hidden, mask.defined() ? extended_attention_mask(mask, hidden) : at::Tensor());
}

at::Tensor BertLayerImpl::forward_extended(const at::Tensor& hidden, const at::Tensor& ext_mask) {
  auto a = attention(hidden, ext_mask);
  return output(intermediate(a), a);
}

BertEncoderImpl::BertEncoderImpl(const BertOptions& o) {
  layer = register_module("layer", torch::nn::ModuleList());
  BertLayerOptions lo;
  lo.bert = o;
  for (int64_t i = 0; i < o.num_layers; ++i) layer->push_back(BertLayer(lo));
}

BertModelImpl::BertModelImpl(const BertOptions& o) : options_(o) {
  o.validate();
  embeddings = register_module("embeddings", BertEmbeddings(o));
  encoder = register_module("encoder", BertEncoder(o));
  // HF initialisation of the linear layers: normal(0, 0.02), zero bias.
  torch::NoGradGuard g;
  for (auto& m : encoder->modules(false)) {
    if (auto* lin = m->as<torch::nn::Linear>()) {
      lin->weight.normal_(0.0, 0.02);
      lin->bias.zero_();
    }
  }
}

std::vector<at::Tensor> BertModelImpl::forward(const at::Tensor& input_ids, const at::Tensor& attention_mask,
                                               const at::Tensor& token_type_ids) {
  GLIP_CHECK_INPUT(attention_mask.sizes() == input_ids.sizes(), "BERT: attention_mask ", attention_mask.sizes(),
                   " does not match input_ids ", input_ids.sizes());
  auto h = embeddings(input_ids, token_type_ids);
  auto ext = extended_attention_mask(attention_mask, h);
  std::vector<at::Tensor> outs;
  outs.reserve(encoder->layer->size());
  for (const auto& m : *encoder->layer) {
    h = m->as<BertLayerImpl>()->forward_extended(h, ext);
    outs.push_back(h);
  }
  return outs;
}

}  // namespace glip::modeling
