/**
 * GLIP's language backbone (`language_backbone.body.model.*`): BERT over the padded prompt, returning the
 * features the head consumes (official `language_backbone/bert_model.py: BertEncoder`).
 */
#pragma once
#include <ATen/ATen.h>
#include <torch/nn/module.h>
#include <torch/nn/pimpl.h>

#include "glip/modeling/language/bert.h"
#include "glip/structures/batch.h"

namespace glip::modeling {

/** The language features passed through the head (the official language_dict_features). */
struct LanguageFeatures {
  at::Tensor hidden;     ///< [B, T, C] last BERT layer; the tower replaces it with fused features
  at::Tensor embedded;   ///< [B, T, C] BERT features x attention mask (never updated by the tower)
  at::Tensor masks;      ///< [B, T] int64 attention mask
  at::Tensor aggregate;  ///< [B, C] mean of `embedded` over real tokens
};

struct LanguageBackboneOptions {
  BertOptions bert;
  /** MODEL.LANGUAGE_BACKBONE.N_LAYERS: features = mean of the last n layers, divided once more by n (official). */
  int64_t n_layers = 1;
};

/** `body.model` is the HF BertModel (pooler-less), so keys read `body.model.embeddings...`. */
class LanguageBodyImpl : public torch::nn::Module {
 public:
  explicit LanguageBodyImpl(const BertOptions& o);
  BertModel model{nullptr};
};
TORCH_MODULE(LanguageBody);

class LanguageBackboneImpl : public torch::nn::Module {
 public:
  explicit LanguageBackboneImpl(const LanguageBackboneOptions& o = {});
  /** Runs BERT over the (already padded) batch. Errors name the offending shape. */
  LanguageFeatures forward(const TextBatch& text);
  const LanguageBackboneOptions& options() const { return options_; }

  LanguageBody body{nullptr};

 private:
  LanguageBackboneOptions options_;
};
TORCH_MODULE(LanguageBackbone);

}  // namespace glip::modeling
